package mgmt

import "github.com/gophercloud/gophercloud/v2"

func instanceActionURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL("mgmt", "instances", id, "action")
}

func versionsURL(c *gophercloud.ServiceClient) string {
	return c.ServiceURL("mgmt", "datastore-versions")
}

func versionURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL("mgmt", "datastore-versions", id)
}
