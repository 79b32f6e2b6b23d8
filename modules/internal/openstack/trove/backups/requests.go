package backups

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// CreateOptsBuilder builds the body of a Create request.
type CreateOptsBuilder interface {
	ToBackupCreateMap() (map[string]any, error)
}

// CreateOpts describes a new backup.
type CreateOpts struct {
	// Name of the backup. Required.
	Name string `json:"name" required:"true"`
	// Instance is the ID of the instance to back up. Required unless
	// RestoreFrom is set.
	Instance string `json:"instance,omitempty"`
	// Description of the backup.
	Description string `json:"description,omitempty"`
	// ParentID makes an incremental backup on top of that backup.
	ParentID string `json:"parent_id,omitempty"`
	// Incremental asks for an incremental backup on top of the last one.
	Incremental *bool `json:"incremental,omitempty"`
	// SwiftContainer stores the backup in that container.
	SwiftContainer string `json:"swift_container,omitempty"`
}

// ToBackupCreateMap renders the request body.
func (opts CreateOpts) ToBackupCreateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "backup")
}

// Create starts a backup. Trove answers 202 and the backup is NEW; poll Get
// until its status is COMPLETED (or FAILED).
func Create(ctx context.Context, client *gophercloud.ServiceClient, opts CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToBackupCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Post(ctx, baseURL(client), b, &r.Body, &gophercloud.RequestOpts{OkCodes: []int{202}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// ListOptsBuilder builds the query of a List request.
type ListOptsBuilder interface {
	ToBackupListQuery() (string, error)
}

// ListOpts filters a listing.
type ListOpts struct {
	// InstanceID lists only backups of that instance.
	InstanceID string `q:"instance_id"`
	// Datastore lists only backups of that datastore type.
	Datastore string `q:"datastore"`
	// AllProjects (admin) lists backups of every project.
	AllProjects bool `q:"all_projects"`
	// Limit and Marker page through the listing.
	Limit  int    `q:"limit"`
	Marker string `q:"marker"`
}

// ToBackupListQuery renders the query string.
func (opts ListOpts) ToBackupListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// List returns a pager over the project's backups.
func List(client *gophercloud.ServiceClient, opts ListOptsBuilder) pagination.Pager {
	url := baseURL(client)
	if opts != nil {
		query, err := opts.ToBackupListQuery()
		if err != nil {
			return pagination.Pager{Err: err}
		}
		url += query
	}
	return pagination.NewPager(client, url, func(r pagination.PageResult) pagination.Page {
		return BackupPage{pagination.LinkedPageBase{PageResult: r}}
	})
}

// Get retrieves one backup.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	resp, err := client.Get(ctx, resourceURL(client, id), &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// Delete removes a backup (and its stored data). Trove answers 202.
func Delete(ctx context.Context, client *gophercloud.ServiceClient, id string) (r DeleteResult) {
	resp, err := client.Delete(ctx, resourceURL(client, id), &gophercloud.RequestOpts{OkCodes: []int{202, 204}})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
