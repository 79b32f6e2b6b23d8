// Package troveinventory is a dynamic inventory source, `source
// "trove_instances" { cloud = "..." }`, that turns the Trove instances of a
// project into inventory hosts: the instance name as host name, its first
// address (of address_type, when given) as address, and its id, status,
// datastore, flavor, volume and addresses as vars (prefixed trove_), plus
// the var cloud so OpenStack tasks on those hosts reach the same cloud.
// Hosts join the groups trove, trove_<datastore> and
// trove_<datastore>_<version> (non-alphanumerics as _).
//
// The hosts are SSH targets like any other. To run API tasks per instance
// on the control node instead (trove_instance, trove_backup... with the
// host var cloud), give the source block the common vars argument:
//
//	source "trove_instances" {
//	  cloud = "devstack-demo"
//	  vars  = { ansible_connection = "local" }
//	}
//
// It owns the source's arguments and the mapping; the inventory itself
// (engine/inventory) decides precedence and merges.
package troveinventory

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

// Type is the source type an inventory names: source "trove_instances".
const Type = "trove_instances"

// Source lists Trove instances as hosts.
type Source struct{}

// New returns the source.
func New() inventory.Source { return Source{} }

var spec = openstack.Merge(openstack.ConnectionSpec(), hcldec.ObjectSpec{
	// name_prefix keeps only instances whose name starts with it.
	"name_prefix": &hcldec.AttrSpec{Name: "name_prefix", Type: cty.String},
	// datastore_version and status filter (status: any of).
	"datastore_version": &hcldec.AttrSpec{Name: "datastore_version", Type: cty.String},
	"status":            &hcldec.AttrSpec{Name: "status", Type: cty.List(cty.String)},
	// address_type picks the address (e.g. "private", "public"); default:
	// the first one.
	"address_type": &hcldec.AttrSpec{Name: "address_type", Type: cty.String},
})

// Spec returns the source's arguments.
func (Source) Spec() hcldec.Spec { return spec }

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

func groupName(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.Trim(notAlnum.ReplaceAllString(strings.ToLower(p), "_"), "_")
	}
	return strings.Join(parts, "_")
}

// Hosts lists the project's instances.
func (Source) Hosts(ctx context.Context, args cty.Value) ([]inventory.SourceHost, error) {
	p := openstack.Params{Cloud: openstack.Str(args, "cloud"), Region: openstack.Str(args, "region"), Interface: openstack.Str(args, "interface")}
	cloud, err := openstack.Connect(ctx, p)
	if err != nil {
		return nil, err
	}
	sc, err := cloud.Database()
	if err != nil {
		return nil, err
	}
	all, err := troveops.List(ctx, sc)
	if err != nil {
		return nil, err
	}
	prefix := openstack.Str(args, "name_prefix")
	version := openstack.Str(args, "datastore_version")
	statuses := openstack.Strings(args, "status")
	addrType := openstack.Str(args, "address_type")

	var keep []instances.Instance
	names := map[string]int{}
	for _, i := range all {
		if !strings.HasPrefix(i.Name, prefix) || (version != "" && i.Datastore.Version != version) ||
			(len(statuses) > 0 && !slices.Contains(statuses, i.Status)) {
			continue
		}
		keep = append(keep, i)
		names[i.Name]++
	}
	slices.SortFunc(keep, func(a, b instances.Instance) int { return strings.Compare(a.Name+a.ID, b.Name+b.ID) })
	hosts := make([]inventory.SourceHost, 0, len(keep))
	for k := range keep {
		i := &keep[k]
		name := i.Name
		if names[name] > 1 || name == "" {
			// Host names are unique; Trove instance names are not.
			name = fmt.Sprintf("%s-%s", i.Name, shortID(i.ID))
		}
		v := troveops.InstanceVal(i)
		vars := map[string]cty.Value{"cloud": cty.StringVal(cloud.Name)}
		for attr := range troveops.InstanceType.AttributeTypes() {
			vars["trove_"+attr] = v.GetAttr(attr)
		}
		groups := []string{"trove"}
		if i.Datastore.Type != "" {
			groups = append(groups, groupName("trove", i.Datastore.Type), groupName("trove", i.Datastore.Type, i.Datastore.Version))
		}
		hosts = append(hosts, inventory.SourceHost{Name: name, Address: pickAddress(i, addrType), Groups: groups, Vars: vars})
	}
	return hosts, nil
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func pickAddress(i *instances.Instance, typ string) string {
	for _, a := range i.Addresses {
		if typ == "" || a.Type == typ {
			return a.Address
		}
	}
	if typ == "" && len(i.IP) > 0 {
		return i.IP[0]
	}
	if typ == "" && i.Hostname != "" {
		return i.Hostname
	}
	return ""
}
