// Package troveops holds what the Trove modules share: finding an instance
// by id or name, waiting for an instance to settle (or to fail with its
// fault), and the cty shape of an instance in task outputs and inventory
// vars. The API calls themselves live in modules/internal/openstack/trove/.
package troveops

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/mgmt"
)

// AddressType is one address of an instance.
var AddressType = cty.Object(map[string]cty.Type{"address": cty.String, "type": cty.String})

// AccessType is who may reach an instance's database.
var AccessType = cty.Object(map[string]cty.Type{"is_public": cty.Bool, "allowed_cidrs": cty.List(cty.String)})

// InstanceType is an instance in outputs. tenant_id is shown to admins;
// server_id, image_id (the Glance image the server runs, from Nova) and
// task come from the management listing, "" elsewhere.
var InstanceType = cty.Object(map[string]cty.Type{
	"tenant_id":        cty.String,
	"server_id":        cty.String,
	"image_id":         cty.String,
	"task":             cty.String,
	"networks":         cty.List(cty.String),
	"access":           AccessType,
	"id":               cty.String,
	"name":             cty.String,
	"status":           cty.String,
	"operating_status": cty.String,
	"addresses":        cty.List(AddressType),
	"datastore":        cty.Object(map[string]cty.Type{"type": cty.String, "version": cty.String}),
	"flavor_id":        cty.String,
	"volume_size":      cty.Number,
	"region":           cty.String,
	"fault":            cty.String,
})

// InstanceVal renders an instance as InstanceType.
func InstanceVal(i *instances.Instance) cty.Value {
	return instanceVal(i, Server{})
}

// Server is what the management API and Nova say of an instance's server.
type Server struct {
	ID, Image, Task string
}

// MgmtInstanceVal renders an instance of the management listing, with the
// image its server runs ("" when unknown).
func MgmtInstanceVal(m *mgmt.Instance, image string) cty.Value {
	return instanceVal(&m.Instance, Server{ID: m.ServerID, Image: image, Task: m.TaskDescription})
}

func instanceVal(i *instances.Instance, srv Server) cty.Value {
	addrs := make([]cty.Value, 0, len(i.Addresses))
	for _, a := range i.Addresses {
		addrs = append(addrs, cty.ObjectVal(map[string]cty.Value{"address": cty.StringVal(a.Address), "type": cty.StringVal(a.Type)}))
	}
	if len(addrs) == 0 {
		for _, ip := range i.IP {
			addrs = append(addrs, cty.ObjectVal(map[string]cty.Value{"address": cty.StringVal(ip), "type": cty.StringVal("")}))
		}
	}
	al := cty.ListValEmpty(AddressType)
	if len(addrs) > 0 {
		al = cty.ListVal(addrs)
	}
	fault := ""
	if i.Fault != nil {
		fault = i.Fault.Message
	}
	access := cty.ObjectVal(map[string]cty.Value{"is_public": cty.False, "allowed_cidrs": cty.ListValEmpty(cty.String)})
	if i.Access != nil {
		access = cty.ObjectVal(map[string]cty.Value{"is_public": cty.BoolVal(i.Access.IsPublic), "allowed_cidrs": openstack.StringListVal(i.Access.AllowedCIDRs)})
	}
	return cty.ObjectVal(map[string]cty.Value{
		"tenant_id":        cty.StringVal(i.TenantID),
		"server_id":        cty.StringVal(srv.ID),
		"image_id":         cty.StringVal(srv.Image),
		"task":             cty.StringVal(srv.Task),
		"networks":         openstack.StringListVal(i.Networks()),
		"access":           access,
		"id":               cty.StringVal(i.ID),
		"name":             cty.StringVal(i.Name),
		"status":           cty.StringVal(i.Status),
		"operating_status": cty.StringVal(i.OperatingStatus),
		"addresses":        al,
		"datastore":        cty.ObjectVal(map[string]cty.Value{"type": cty.StringVal(i.Datastore.Type), "version": cty.StringVal(i.Datastore.Version)}),
		"flavor_id":        cty.StringVal(i.Flavor.ID),
		"volume_size":      cty.NumberIntVal(int64(i.Volume.Size)),
		"region":           cty.StringVal(i.Region),
		"fault":            cty.StringVal(fault),
	})
}

// InstanceListVal renders instances as a list of InstanceType.
func InstanceListVal(is []instances.Instance) cty.Value {
	if len(is) == 0 {
		return cty.ListValEmpty(InstanceType)
	}
	vals := make([]cty.Value, len(is))
	for k := range is {
		vals[k] = InstanceVal(&is[k])
	}
	return cty.ListVal(vals)
}

// List returns every instance of the project.
func List(ctx context.Context, sc *gophercloud.ServiceClient) ([]instances.Instance, error) {
	pages, err := instances.List(sc, nil).AllPages(ctx)
	if err != nil {
		return nil, openstack.Wrap("listing Trove instances", err)
	}
	return instances.ExtractInstances(pages)
}

// Find returns the instance with that id, or else the only one with that
// name; nil when there is none. Several of one name is an error.
func Find(ctx context.Context, sc *gophercloud.ServiceClient, id, name string) (*instances.Instance, error) {
	if id != "" {
		i, err := instances.Get(ctx, sc, id).Extract()
		if openstack.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, openstack.Wrap(fmt.Sprintf("reading Trove instance %s", id), err)
		}
		return i, nil
	}
	all, err := List(ctx, sc)
	if err != nil {
		return nil, err
	}
	var found []instances.Instance
	for _, i := range all {
		if i.Name == name {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		// The listing lacks the fault and some details: read it.
		i, err := instances.Get(ctx, sc, found[0].ID).Extract()
		if err != nil {
			return nil, openstack.Wrap(fmt.Sprintf("reading Trove instance %s (%s)", name, found[0].ID), err)
		}
		return i, nil
	}
	var ids []string
	for _, i := range found {
		ids = append(ids, i.ID)
	}
	return nil, fmt.Errorf("%d Trove instances are named %q (%s): name one by id", len(found), name, strings.Join(ids, ", "))
}

// Describe names an instance for messages: `"db1" (id)`.
func Describe(i *instances.Instance) string { return fmt.Sprintf("%q (%s)", i.Name, i.ID) }

// readyStatuses are the statuses of a settled instance.
var readyStatuses = []string{"ACTIVE", "HEALTHY"}

// Ready reports whether the instance has settled. With want "HEALTHY", an
// instance that reports operating_status must report HEALTHY there.
func Ready(i *instances.Instance, want string) bool {
	if want != "" && want != "ACTIVE" && want != "HEALTHY" {
		return i.Status == want
	}
	if !slices.Contains(readyStatuses, i.Status) {
		return false
	}
	if want == "HEALTHY" && i.OperatingStatus != "" {
		return i.OperatingStatus == "HEALTHY"
	}
	return true
}

// FaultError is an instance that went to ERROR.
type FaultError struct {
	Instance string
	Status   string
	Message  string
}

func (e *FaultError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("Trove instance %s went to %s (no fault message)", e.Instance, e.Status)
	}
	return fmt.Sprintf("Trove instance %s went to %s: %s", e.Instance, e.Status, e.Message)
}

// Wait says how to wait for an instance.
type Wait struct {
	// Status is HEALTHY (default) or ACTIVE, or another status to reach.
	Status  string
	Timeout time.Duration
	// Transition, when set, does not take a settled status for done until
	// a busy one was seen (or Grace passed): an action the API accepted
	// may show the old status for a moment.
	Transition bool
	Grace      time.Duration
	// Accept, when set, must also hold (e.g. the new version is shown).
	Accept func(*instances.Instance) bool
	// Say receives progress lines.
	Say func(string)
}

// WaitInstance polls get until the instance settles, fails (ERROR), or the
// timeout passes.
func WaitInstance(ctx context.Context, label string, get func(context.Context) (*instances.Instance, error), w Wait) (*instances.Instance, error) {
	if w.Status == "" {
		w.Status = "HEALTHY"
	}
	if w.Grace == 0 {
		w.Grace = 10 * time.Second
	}
	start := time.Now()
	seenBusy := false
	var last *instances.Instance
	err := openstack.Poll(ctx, fmt.Sprintf("Trove instance %s to be %s", label, w.Status), w.Timeout, openstack.DefaultBackoff,
		func(ctx context.Context) (string, bool, error) {
			i, err := get(ctx)
			if err != nil {
				return "", false, err
			}
			last = i
			state := i.Status
			if i.OperatingStatus != "" && i.OperatingStatus != i.Status {
				state += "/" + i.OperatingStatus
			}
			if i.Status == "ERROR" {
				msg := ""
				if i.Fault != nil {
					msg = i.Fault.Message
				}
				return state, false, &FaultError{Instance: label, Status: i.Status, Message: msg}
			}
			ready := Ready(i, w.Status) && (w.Accept == nil || w.Accept(i))
			if !ready && !slices.Contains(readyStatuses, i.Status) {
				seenBusy = true
			}
			if ready && w.Transition && !seenBusy && time.Since(start) < w.Grace {
				ready = false
			}
			return state, ready, nil
		}, func(s string) {
			if w.Say != nil {
				w.Say(fmt.Sprintf("instance %s: %s", label, s))
			}
		})
	return last, err
}

// WaitGone polls get until it answers 404.
func WaitGone(ctx context.Context, label string, timeout time.Duration, get func(context.Context) (*instances.Instance, error), say func(string)) error {
	return openstack.Poll(ctx, fmt.Sprintf("Trove instance %s to be deleted", label), timeout, openstack.DefaultBackoff,
		func(ctx context.Context) (string, bool, error) {
			i, err := get(ctx)
			if openstack.IsNotFound(err) {
				return "DELETED", true, nil
			}
			if err != nil {
				return "", false, err
			}
			return i.Status, false, nil
		}, func(s string) {
			if say != nil {
				say(fmt.Sprintf("instance %s: %s", label, s))
			}
		})
}

// MgmtList returns every project's instances (management API, admin).
func MgmtList(ctx context.Context, sc *gophercloud.ServiceClient) ([]mgmt.Instance, error) {
	pages, err := mgmt.ListInstances(sc).AllPages(ctx)
	if err != nil {
		return nil, openstack.Wrap("listing Trove instances of all projects (management API)", err)
	}
	return mgmt.ExtractInstances(pages)
}

// ServerImages returns the Glance image of every server of every project
// (Nova, admin: all_tenants), by server id. A server booted from a volume
// has "".
func ServerImages(ctx context.Context, compute *gophercloud.ServiceClient) (map[string]string, error) {
	pages, err := servers.List(compute, servers.ListOpts{AllTenants: true}).AllPages(ctx)
	if err != nil {
		return nil, openstack.Wrap("listing servers of all projects (Nova)", err)
	}
	all, err := servers.ExtractServers(pages)
	if err != nil {
		return nil, openstack.Wrap("reading the Nova server list", err)
	}
	out := make(map[string]string, len(all))
	for _, s := range all {
		out[s.ID] = imageOf(s.Image)
	}
	return out, nil
}

// ServerImage returns the Glance image one server runs.
func ServerImage(ctx context.Context, compute *gophercloud.ServiceClient, id string) (string, error) {
	s, err := servers.Get(ctx, compute, id).Extract()
	if err != nil {
		return "", openstack.Wrap("reading Nova server "+id, err)
	}
	return imageOf(s.Image), nil
}

func imageOf(img map[string]any) string {
	if id, ok := img["id"].(string); ok {
		return id
	}
	return ""
}
