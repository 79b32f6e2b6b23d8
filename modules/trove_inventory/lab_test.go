package troveinventory_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/labenv"
	troveinstance "github.com/runbook-dev/runbook/modules/trove_instance"
	troveinventory "github.com/runbook-dev/runbook/modules/trove_inventory"
)

func TestLabInventory(t *testing.T) {
	e := labenv.OpenStack(t)
	openstack.Forget()
	prefix := fmt.Sprintf("rbt-inv-%d", os.Getpid())
	m := troveinstance.New()
	r := moduletest.Request(moduletest.Args(t, m, fmt.Sprintf("cloud = %q\nname = %q\nflavor = %q\nvolume_size = 1\ndatastore = %q\ndatastore_version = %q\nwait = { timeout = \"3m\" }\n",
		e["LAB_TROVE_CLOUD_DEMO"], prefix+"-a", e["LAB_FLAVOR_ID"], e["LAB_DATASTORE"], e["LAB_DATASTORE_VERSION"])), nil, "")
	_, a := moduletest.Run(t, m, r)
	if a == nil || a.Err != nil {
		t.Fatalf("create: %+v", a)
	}
	id := a.Outputs.GetAttr("id").AsString()
	t.Cleanup(func() {
		c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: e["LAB_TROVE_CLOUD_DEMO"]})
		if err == nil {
			if sc, err := c.Database(); err == nil {
				gcinstances.Delete(context.Background(), sc, id)
			}
		}
	})
	args := cty.ObjectVal(map[string]cty.Value{
		"cloud": cty.StringVal(e["LAB_TROVE_CLOUD_DEMO"]), "region": cty.NullVal(cty.String), "interface": cty.NullVal(cty.String),
		"name_prefix": cty.StringVal(prefix), "datastore_version": cty.NullVal(cty.String),
		"status": cty.NullVal(cty.List(cty.String)), "address_type": cty.NullVal(cty.String),
	})
	hosts, err := troveinventory.New().Hosts(context.Background(), args)
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || hosts[0].Name != prefix+"-a" || hosts[0].Vars["trove_id"].AsString() != id {
		t.Fatalf("hosts %+v", hosts)
	}
	h := hosts[0]
	if h.Vars["trove_datastore"].GetAttr("version").AsString() != e["LAB_DATASTORE_VERSION"] || h.Vars["cloud"].AsString() != e["LAB_TROVE_CLOUD_DEMO"] {
		t.Errorf("vars %#v", h.Vars)
	}
	t.Logf("host %s address %q groups %v status %s", h.Name, h.Address, h.Groups, h.Vars["trove_status"].AsString())
}
