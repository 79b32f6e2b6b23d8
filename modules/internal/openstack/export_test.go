package openstack

import "github.com/gophercloud/gophercloud/v2"

// ProviderOf exposes a cloud's provider client to this package's tests
// (token checks).
func ProviderOf(c *Cloud) *gophercloud.ProviderClient { return c.provider }
