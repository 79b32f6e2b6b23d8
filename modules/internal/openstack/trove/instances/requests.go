package instances

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// RestorePoint names the backup a new instance is restored from.
type RestorePoint struct {
	BackupRef string `json:"backupRef"`
}

// CreateOpts is gophercloud's CreateOpts plus what it lacks.
type CreateOpts struct {
	gcinstances.CreateOpts
	// RestorePoint restores the new instance from a backup.
	RestorePoint *RestorePoint
	// Access sets whether the instance gets a public address and which
	// CIDRs may reach it (Victoria and later).
	Access *Access
}

// ToInstanceCreateMap renders the request body.
func (opts CreateOpts) ToInstanceCreateMap() (map[string]any, error) {
	b, err := opts.CreateOpts.ToInstanceCreateMap()
	if err != nil {
		return nil, err
	}
	if opts.RestorePoint != nil && opts.RestorePoint.BackupRef != "" {
		b["instance"].(map[string]any)["restorePoint"] = map[string]any{"backupRef": opts.RestorePoint.BackupRef}
	}
	if opts.Access != nil {
		a := map[string]any{"is_public": opts.Access.IsPublic}
		if len(opts.Access.AllowedCIDRs) > 0 {
			a["allowed_cidrs"] = opts.Access.AllowedCIDRs
		}
		b["instance"].(map[string]any)["access"] = a
	}
	return b, nil
}

// Create provisions an instance (asynchronously: poll Get until ACTIVE or
// HEALTHY).
func Create(ctx context.Context, client *gophercloud.ServiceClient, opts gcinstances.CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToInstanceCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Post(ctx, baseURL(client), &b, &r.Body, &gophercloud.RequestOpts{OkCodes: []int{200, 202}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// Get retrieves one instance.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, resourceURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// ListOptsBuilder builds the query of a List request.
type ListOptsBuilder interface {
	ToInstanceListQuery() (string, error)
}

// ListOpts filters a listing.
type ListOpts struct {
	// IncludeClustered lists cluster members too.
	IncludeClustered bool `q:"include_clustered"`
	// AllProjects (admin) lists the instances of every project.
	AllProjects bool   `q:"all_projects"`
	Limit       int    `q:"limit"`
	Marker      string `q:"marker"`
}

// ToInstanceListQuery renders the query string.
func (opts ListOpts) ToInstanceListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// List returns a pager over the project's instances.
func List(client *gophercloud.ServiceClient, opts ListOptsBuilder) pagination.Pager {
	url := baseURL(client)
	if opts != nil {
		query, err := opts.ToInstanceListQuery()
		if err != nil {
			return pagination.Pager{Err: err}
		}
		url += query
	}
	return pagination.NewPager(client, url, func(r pagination.PageResult) pagination.Page {
		return InstancePage{pagination.LinkedPageBase{PageResult: r}}
	})
}

// UpgradeOptsBuilder builds the body of an Upgrade request.
type UpgradeOptsBuilder interface {
	ToInstanceUpgradeMap() (map[string]any, error)
}

// UpgradeOpts names the datastore version to upgrade to (its name or ID,
// within the instance's datastore).
type UpgradeOpts struct {
	DatastoreVersion string `json:"datastore_version" required:"true"`
}

// ToInstanceUpgradeMap renders the request body.
func (opts UpgradeOpts) ToInstanceUpgradeMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "instance")
}

// Upgrade starts a datastore-version upgrade (PATCH /instances/{id}, 202):
// the instance goes to UPGRADE, then back to ACTIVE/HEALTHY on the new
// version. Trove ignores a request for the version the instance already has.
func Upgrade(ctx context.Context, client *gophercloud.ServiceClient, id string, opts UpgradeOptsBuilder) (r UpgradeResult) {
	b, err := opts.ToInstanceUpgradeMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Patch(ctx, resourceURL(client, id), b, nil, &gophercloud.RequestOpts{OkCodes: []int{202}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
