package instances

import (
	"encoding/json"
	"net/url"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Datastore is the datastore an instance runs.
type Datastore struct {
	Type          string `json:"type"`
	Version       string `json:"version"`
	VersionNumber string `json:"version_number"`
}

// Instance is a Trove instance as Trove (Victoria and later) shows it.
type Instance struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// OperatingStatus is the database's own health (HEALTHY, ...), when the
	// API reports it.
	OperatingStatus string             `json:"operating_status"`
	Region          string             `json:"region"`
	TenantID        string             `json:"tenant_id"`
	Hostname        string             `json:"hostname"`
	Flavor          gcinstances.Flavor `json:"flavor"`
	Volume          gcinstances.Volume `json:"volume"`
	Datastore       Datastore          `json:"datastore"`
	Addresses       []Address          `json:"addresses"`
	IP              []string           `json:"ip"`
	Access          *Access            `json:"access"`
	Fault           *gcinstances.Fault `json:"fault"`
	Created         time.Time          `json:"-"`
	Updated         time.Time          `json:"-"`
}

// Address is one address of an instance; Network is the Neutron network of
// its port (Trove shows it for private addresses since Victoria).
type Address struct {
	Type    string `json:"type"`
	Address string `json:"address"`
	Network string `json:"network"`
}

// Access is who may reach an instance's database (Victoria and later):
// a public address, and the CIDRs allowed in.
type Access struct {
	IsPublic     bool     `json:"is_public"`
	AllowedCIDRs []string `json:"allowed_cidrs,omitempty"`
}

// Networks returns the distinct networks of the instance's addresses, in
// order: what a restore needs to put the new instance where the old one is.
func (i *Instance) Networks() []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range i.Addresses {
		if a.Network != "" && !seen[a.Network] {
			seen[a.Network] = true
			out = append(out, a.Network)
		}
	}
	return out
}

// UnmarshalJSON reads Trove's timestamps (no zone).
func (r *Instance) UnmarshalJSON(b []byte) error {
	type tmp Instance
	var s struct {
		tmp
		Created gophercloud.JSONRFC3339NoZ `json:"created"`
		Updated gophercloud.JSONRFC3339NoZ `json:"updated"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*r = Instance(s.tmp)
	r.Created = time.Time(s.Created)
	r.Updated = time.Time(s.Updated)
	return nil
}

type commonResult struct {
	gophercloud.Result
}

// Extract returns the instance of a Create or Get.
func (r commonResult) Extract() (*Instance, error) {
	var s struct {
		Instance *Instance `json:"instance"`
	}
	err := r.ExtractInto(&s)
	return s.Instance, err
}

// CreateResult is the result of Create.
type CreateResult struct{ commonResult }

// GetResult is the result of Get.
type GetResult struct{ commonResult }

// UpgradeResult is the result of Upgrade.
type UpgradeResult struct{ gophercloud.ErrResult }

// InstancePage is one page of a listing.
type InstancePage struct {
	pagination.LinkedPageBase
}

// IsEmpty reports whether the page holds no instance.
func (p InstancePage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	is, err := ExtractInstances(p)
	return len(is) == 0, err
}

// NextPageURL follows the "next" link, keeping only its query (Trove may
// build the link with a scheme and host the client did not use).
func (p InstancePage) NextPageURL() (string, error) {
	var s struct {
		Links []gophercloud.Link `json:"links"`
	}
	if err := p.ExtractInto(&s); err != nil {
		return "", err
	}
	next, err := gophercloud.ExtractNextURL(s.Links)
	if err != nil || next == "" {
		return "", err
	}
	n, err := url.Parse(next)
	if err != nil {
		return "", err
	}
	cur := p.URL
	cur.RawQuery = n.RawQuery
	return cur.String(), nil
}

// ExtractInstances returns the instances of a page.
func ExtractInstances(r pagination.Page) ([]Instance, error) {
	var s struct {
		Instances []Instance `json:"instances"`
	}
	err := (r.(InstancePage)).ExtractInto(&s)
	return s.Instances, err
}
