package troveinstance

import (
	"context"
	"fmt"
	"sort"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/db/v1/databases"
	"github.com/gophercloud/gophercloud/v2/openstack/db/v1/users"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

// contents lists what an instance's guest agent reports it holds: the
// names of its databases and of its users, each sorted. This is what the
// Trove API knows of the data (Trove's own fake mode answers it too); it
// is how a restore is compared with its source without reaching the
// database network.
func contents(ctx context.Context, sc *gophercloud.ServiceClient, id string) (dbs, us []string, err error) {
	pages, err := databases.List(sc, id).AllPages(ctx)
	if err != nil {
		return nil, nil, openstack.Wrap("listing the databases of Trove instance "+id, err)
	}
	ds, err := databases.ExtractDBs(pages)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the databases of Trove instance %s: %w", id, err)
	}
	for _, d := range ds {
		dbs = append(dbs, d.Name)
	}
	pages, err = users.List(sc, id).AllPages(ctx)
	if err != nil {
		return nil, nil, openstack.Wrap("listing the users of Trove instance "+id, err)
	}
	uu, err := users.ExtractUsers(pages)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the users of Trove instance %s: %w", id, err)
	}
	for _, u := range uu {
		us = append(us, u.Name)
	}
	sort.Strings(dbs)
	sort.Strings(us)
	return dbs, us, nil
}

// withContents sets the databases and users outputs.
func withContents(out cty.Value, dbs, us []string) cty.Value {
	m := out.AsValueMap()
	m["databases"], m["users"] = openstack.StringListVal(dbs), openstack.StringListVal(us)
	return cty.ObjectVal(m)
}
