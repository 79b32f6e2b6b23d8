package mgmt

import (
	"encoding/json"

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

// Instance is an instance as the management API lists it: the public view
// plus its server and what Trove is doing with it.
type Instance struct {
	instances.Instance
	// ServerID is the Nova server of the instance ("" before it has one).
	ServerID string
	// ServerStatus is the server's status as Nova last told Trove.
	ServerStatus string
	// TaskDescription is Trove's task ("No tasks for the instance." when idle).
	TaskDescription string
	// ServiceStatus is the guest's reported status (HEALTHY, SHUTDOWN ...).
	ServiceStatus string
}

// UnmarshalJSON reads both views (Instance has its own UnmarshalJSON, which
// an embedding struct would otherwise take over).
func (m *Instance) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &m.Instance); err != nil {
		return err
	}
	var s struct {
		Server *struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"server"`
		TaskDescription string `json:"task_description"`
		ServiceStatus   string `json:"service_status"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s.Server != nil {
		m.ServerID, m.ServerStatus = s.Server.ID, s.Server.Status
	}
	m.TaskDescription, m.ServiceStatus = s.TaskDescription, s.ServiceStatus
	return nil
}

// InstancePage is the (single) page of a management listing.
type InstancePage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no instance.
func (p InstancePage) IsEmpty() (bool, error) {
	is, err := ExtractInstances(p)
	return len(is) == 0, err
}

// ExtractInstances returns the instances of a page.
func ExtractInstances(r pagination.Page) ([]Instance, error) {
	var s struct {
		Instances []Instance `json:"instances"`
	}
	err := (r.(InstancePage)).ExtractInto(&s)
	return s.Instances, err
}

// ExtractMgmt returns the instance with its server id and task.
func (r GetInstanceResult) ExtractMgmt() (*Instance, error) {
	var s struct {
		Instance *Instance `json:"instance"`
	}
	err := r.ExtractInto(&s)
	return s.Instance, err
}
