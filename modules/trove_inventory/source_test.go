package troveinventory_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
	troveinventory "github.com/runbook-dev/runbook/modules/trove_inventory"
)

func TestHostsFromFakeTrove(t *testing.T) {
	fc := openstacktest.New(t)
	tr := openstacktest.NewTrove(fc)
	a := tr.AddInstance("db-a", "5.7.29")
	tr.AddInstance("db-b", "5.7.30")
	tr.AddInstance("other", "5.7.29")
	tr.AddInstance("db-a", "5.7.29") // a second instance of that name

	src := troveinventory.New()
	args := cty.ObjectVal(map[string]cty.Value{
		"cloud": cty.StringVal("fake"), "region": cty.NullVal(cty.String), "interface": cty.NullVal(cty.String),
		"name_prefix": cty.StringVal("db-"), "datastore_version": cty.NullVal(cty.String),
		"status": cty.NullVal(cty.List(cty.String)), "address_type": cty.StringVal("private"),
	})
	hosts, err := src.Hosts(context.Background(), args)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	if len(hosts) != 3 {
		t.Fatalf("hosts %v", names)
	}
	h := hosts[0]
	if h.Name != "db-a-"+a.ID[:8] || h.Address != "10.0.0.9" {
		t.Errorf("host %+v", h)
	}
	if h.Vars["trove_id"].AsString() != a.ID || h.Vars["cloud"].AsString() != "fake" || h.Vars["trove_datastore"].GetAttr("version").AsString() != "5.7.29" {
		t.Errorf("vars %#v", h.Vars)
	}
	if got := h.Groups; len(got) != 3 || got[1] != "trove_mysql" || got[2] != "trove_mysql_5_7_29" {
		t.Errorf("groups %v", got)
	}
	if hosts[2].Name != "db-b" {
		t.Errorf("third host %s", hosts[2].Name)
	}
}

// TestThroughInventory loads an HCL inventory with a trove_instances source.
func TestThroughInventory(t *testing.T) {
	fc := openstacktest.New(t)
	tr := openstacktest.NewTrove(fc)
	tr.AddInstance("db1", "5.7.29")
	tr.AddInstance("db2", "5.7.30")
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.hcl")
	os.WriteFile(inv, []byte(`
source "trove_instances" {
  cloud             = "fake"
  datastore_version = "5.7.30"
  groups            = ["databases"]
}
`), 0o600)
	got, diags := inventory.LoadWith(map[string]inventory.Source{troveinventory.Type: troveinventory.New()}, inv)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	h, ok := got.Host("db2")
	if !ok {
		t.Fatalf("db2 not in the inventory: %v", got.HostNames())
	}
	if _, ok := got.Host("db1"); ok {
		t.Error("db1 is on another version but was listed")
	}
	if h.Endpoint.Address != "10.0.0.9" {
		t.Errorf("address %q", h.Endpoint.Address)
	}
	for _, g := range []string{"databases", "trove", "trove_mysql_5_7_30"} {
		if !slices.Contains(h.Groups, g) {
			t.Errorf("db2 not in group %s: %v", g, h.Groups)
		}
	}
	if h.Vars["trove_status"].AsString() != "ACTIVE" || h.Vars["cloud"].AsString() != "fake" {
		t.Errorf("vars %#v", h.Vars)
	}
}
