package backups

import "github.com/gophercloud/gophercloud/v2"

func baseURL(c *gophercloud.ServiceClient) string { return c.ServiceURL("backups") }

func resourceURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL("backups", id)
}
