package mgmt

import (
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
)

// ActionResult is the result of a call that answers without a body.
type ActionResult struct{ gophercloud.ErrResult }

// DatastoreVersion is a datastore version as the management API shows it.
type DatastoreVersion struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Version          string   `json:"version"`
	DatastoreID      string   `json:"datastore_id"`
	DatastoreName    string   `json:"datastore_name"`
	DatastoreManager string   `json:"datastore_manager"`
	Image            string   `json:"image"`
	ImageTags        []string `json:"image_tags"`
	Packages         []string `json:"packages"`
	Active           bool     `json:"active"`
	Default          bool     `json:"default"`
}

// GetDatastoreVersionResult is the result of GetDatastoreVersion.
type GetDatastoreVersionResult struct{ gophercloud.Result }

// Extract returns the datastore version.
func (r GetDatastoreVersionResult) Extract() (*DatastoreVersion, error) {
	var s struct {
		Version *DatastoreVersion `json:"version"`
	}
	err := r.ExtractInto(&s)
	return s.Version, err
}

// DatastoreVersionPage is the (single) page of a listing.
type DatastoreVersionPage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no version.
func (p DatastoreVersionPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	vs, err := ExtractDatastoreVersions(p)
	return len(vs) == 0, err
}

// ExtractDatastoreVersions returns the versions of a page.
func ExtractDatastoreVersions(r pagination.Page) ([]DatastoreVersion, error) {
	var s struct {
		Versions []DatastoreVersion `json:"versions"`
	}
	err := (r.(DatastoreVersionPage)).ExtractInto(&s)
	return s.Versions, err
}

// GetInstanceResult is the result of GetInstance; Extract gives the
// instance as the public API shows it (the management fields are ignored).
type GetInstanceResult struct{ instances.GetResult }
