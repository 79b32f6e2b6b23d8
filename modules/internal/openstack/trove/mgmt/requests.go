package mgmt

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// RebuildOptsBuilder builds the body of a Rebuild request.
type RebuildOptsBuilder interface {
	ToRebuildMap() (map[string]any, error)
}

// RebuildOpts names the Glance image to rebuild the guest from.
type RebuildOpts struct {
	ImageID string `json:"image_id" required:"true"`
}

// ToRebuildMap renders the request body.
func (opts RebuildOpts) ToRebuildMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "rebuild")
}

// Rebuild rebuilds an instance's server from a new image, keeping its data
// volume (POST /mgmt/instances/{id}/action {"rebuild": ...}, 202). The
// instance goes to REBUILD, then back to ACTIVE/HEALTHY.
func Rebuild(ctx context.Context, client *gophercloud.ServiceClient, instanceID string, opts RebuildOptsBuilder) (r ActionResult) {
	b, err := opts.ToRebuildMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Post(ctx, instanceActionURL(client, instanceID), b, nil, &gophercloud.RequestOpts{OkCodes: []int{202}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// ListDatastoreVersions lists every datastore version, active or not.
func ListDatastoreVersions(client *gophercloud.ServiceClient) pagination.Pager {
	return pagination.NewPager(client, versionsURL(client), func(r pagination.PageResult) pagination.Page {
		return DatastoreVersionPage{pagination.SinglePageBase(r)}
	})
}

// GetDatastoreVersion retrieves one datastore version by ID.
func GetDatastoreVersion(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetDatastoreVersionResult) {
	resp, err := client.Get(ctx, versionURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// CreateDatastoreVersionOptsBuilder builds the body of a create request.
type CreateDatastoreVersionOptsBuilder interface {
	ToDatastoreVersionCreateMap() (map[string]any, error)
}

// CreateDatastoreVersionOpts registers a datastore version.
type CreateDatastoreVersionOpts struct {
	// Name of the version, e.g. "5.7.29". Required.
	Name string `json:"name" required:"true"`
	// DatastoreName, e.g. "mysql" (created when missing). Required.
	DatastoreName string `json:"datastore_name" required:"true"`
	// DatastoreManager, e.g. "mysql". Required.
	DatastoreManager string `json:"datastore_manager" required:"true"`
	// Image is the Glance image ID; or give ImageTags.
	Image     string   `json:"image,omitempty"`
	ImageTags []string `json:"image_tags,omitempty"`
	// Packages is always sent, as [] when empty: Victoria's management API
	// reads body['version']['packages'] unconditionally (KeyError -> 500).
	Packages []string `json:"packages"`
	Active   bool     `json:"active"`
	Default  bool     `json:"default"`
	// Version is the version number when Name is not one (Wallaby+).
	Version string `json:"version,omitempty"`
}

// ToDatastoreVersionCreateMap renders the request body.
func (opts CreateDatastoreVersionOpts) ToDatastoreVersionCreateMap() (map[string]any, error) {
	if opts.Packages == nil {
		opts.Packages = []string{}
	}
	return gophercloud.BuildRequestBody(opts, "version")
}

// CreateDatastoreVersion registers a datastore version (202, no body).
func CreateDatastoreVersion(ctx context.Context, client *gophercloud.ServiceClient, opts CreateDatastoreVersionOptsBuilder) (r ActionResult) {
	b, err := opts.ToDatastoreVersionCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Post(ctx, versionsURL(client), b, nil, &gophercloud.RequestOpts{OkCodes: []int{202}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// UpdateDatastoreVersionOptsBuilder builds the body of an update request.
type UpdateDatastoreVersionOptsBuilder interface {
	ToDatastoreVersionUpdateMap() (map[string]any, error)
}

// UpdateDatastoreVersionOpts changes a datastore version; nil fields are
// left as they are. Trove reads this body unwrapped.
type UpdateDatastoreVersionOpts struct {
	Name             *string  `json:"name,omitempty"`
	DatastoreManager *string  `json:"datastore_manager,omitempty"`
	Image            *string  `json:"image,omitempty"`
	ImageTags        []string `json:"image_tags,omitempty"`
	Packages         []string `json:"packages,omitempty"`
	Active           *bool    `json:"active,omitempty"`
	Default          *bool    `json:"default,omitempty"`
}

// ToDatastoreVersionUpdateMap renders the request body.
func (opts UpdateDatastoreVersionOpts) ToDatastoreVersionUpdateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "")
}

// UpdateDatastoreVersion changes a datastore version (PATCH, 202).
func UpdateDatastoreVersion(ctx context.Context, client *gophercloud.ServiceClient, id string, opts UpdateDatastoreVersionOptsBuilder) (r ActionResult) {
	b, err := opts.ToDatastoreVersionUpdateMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Patch(ctx, versionURL(client, id), b, nil, &gophercloud.RequestOpts{OkCodes: []int{202}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// GetInstance shows an instance through the management API (admin): any
// project's instance, with its server.
func GetInstance(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetInstanceResult) {
	resp, err := client.Get(ctx, client.ServiceURL("mgmt", "instances", id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// DeleteDatastoreVersion removes a datastore version no instance uses (202).
func DeleteDatastoreVersion(ctx context.Context, client *gophercloud.ServiceClient, id string) (r ActionResult) {
	resp, err := client.Delete(ctx, versionURL(client, id), &gophercloud.RequestOpts{OkCodes: []int{202, 204}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// ListInstances lists the instances of every project through the
// management API (admin): GET /mgmt/instances?deleted=false, with cluster
// members too (include_clustered=true). Each comes with its server's id and
// project, which the public listing does not give.
func ListInstances(client *gophercloud.ServiceClient) pagination.Pager {
	u := client.ServiceURL("mgmt", "instances") + "?deleted=false&include_clustered=true"
	return pagination.NewPager(client, u, func(r pagination.PageResult) pagination.Page {
		return InstancePage{pagination.SinglePageBase(r)}
	})
}
