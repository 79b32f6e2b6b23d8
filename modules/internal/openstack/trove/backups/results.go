package backups

import (
	"encoding/json"
	"net/url"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Datastore is the datastore a backup was taken of.
type Datastore struct {
	Type      string `json:"type"`
	Version   string `json:"version"`
	VersionID string `json:"version_id"`
}

// Backup is a Trove backup.
type Backup struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// LocationRef is where the backup is stored (a Swift URL).
	LocationRef string `json:"locationRef"`
	InstanceID  string `json:"instance_id"`
	ParentID    string `json:"parent_id"`
	ProjectID   string `json:"project_id"`
	// Size in GB.
	Size float64 `json:"size"`
	// Status is NEW, BUILDING, SAVING, COMPLETED, FAILED, DELETE_FAILED...
	Status    string     `json:"status"`
	Datastore *Datastore `json:"datastore"`
	Created   time.Time  `json:"-"`
	Updated   time.Time  `json:"-"`
}

// UnmarshalJSON reads Trove's timestamps (no zone).
func (r *Backup) UnmarshalJSON(b []byte) error {
	type tmp Backup
	var s struct {
		tmp
		Created gophercloud.JSONRFC3339NoZ `json:"created"`
		Updated gophercloud.JSONRFC3339NoZ `json:"updated"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*r = Backup(s.tmp)
	r.Created = time.Time(s.Created)
	r.Updated = time.Time(s.Updated)
	return nil
}

type commonResult struct {
	gophercloud.Result
}

// Extract returns the backup of a Create or Get.
func (r commonResult) Extract() (*Backup, error) {
	var s struct {
		Backup *Backup `json:"backup"`
	}
	err := r.ExtractInto(&s)
	return s.Backup, err
}

// CreateResult is the result of Create.
type CreateResult struct{ commonResult }

// GetResult is the result of Get.
type GetResult struct{ commonResult }

// DeleteResult is the result of Delete.
type DeleteResult struct{ gophercloud.ErrResult }

// BackupPage is one page of a listing.
type BackupPage struct {
	pagination.LinkedPageBase
}

// IsEmpty reports whether the page holds no backup.
func (p BackupPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	bs, err := ExtractBackups(p)
	return len(bs) == 0, err
}

// NextPageURL follows the "next" link. Trove builds that link from its own
// idea of its scheme and host (https:// behind some proxies, or always with
// some configurations), so only the link's query is kept and applied to the
// URL this page came from.
func (p BackupPage) NextPageURL() (string, error) {
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
	return rebase(p.URL, next)
}

func rebase(current url.URL, next string) (string, error) {
	n, err := url.Parse(next)
	if err != nil {
		return "", err
	}
	current.RawQuery = n.RawQuery
	return current.String(), nil
}

// ExtractBackups returns the backups of a page.
func ExtractBackups(r pagination.Page) ([]Backup, error) {
	var s struct {
		Backups []Backup `json:"backups"`
	}
	err := (r.(BackupPage)).ExtractInto(&s)
	return s.Backups, err
}
