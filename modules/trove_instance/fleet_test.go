package troveinstance_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
)

// all_projects lists every project's instances through the management
// API, with the server and the image it runs (Nova).
func TestListAllProjectsWithServerImages(t *testing.T) {
	_, tr, m := fake(t)
	a := tr.AddInstance("a", "5.7.29")
	b := tr.AddInstance("b", "5.7.29")
	b.Project, b.Image, b.Networks, b.Public, b.CIDRs = "otherproject", "img2", []string{"net1", "net2"}, true, []string{"10.0.0.0/8"}

	p := moduletest.Plan(t, m, req(t, m, "action = \"list\"\nall_projects = true\n"))
	if p.Err != nil || p.Action != module.NoOp {
		t.Fatalf("plan %v %v", p.Action, p.Err)
	}
	got := map[string]map[string]string{}
	for _, v := range p.Outputs.GetAttr("instances").AsValueSlice() {
		var nets []string
		for _, n := range v.GetAttr("networks").AsValueSlice() {
			nets = append(nets, n.AsString())
		}
		acc := v.GetAttr("access")
		got[v.GetAttr("name").AsString()] = map[string]string{
			"tenant": v.GetAttr("tenant_id").AsString(), "server": v.GetAttr("server_id").AsString(),
			"image": v.GetAttr("image_id").AsString(), "networks": strings.Join(nets, ","),
			"public": acc.GetAttr("is_public").GoString(), "cidrs": acc.GetAttr("allowed_cidrs").GoString(),
		}
	}
	if got["a"]["tenant"] != "fakeproject" || got["a"]["server"] != "srv-"+a.ID || got["a"]["image"] != "img1" {
		t.Errorf("a: %v", got["a"])
	}
	if got["b"]["tenant"] != "otherproject" || got["b"]["image"] != "img2" || got["b"]["networks"] != "net1,net2" ||
		got["b"]["public"] != "cty.True" || !strings.Contains(got["b"]["cidrs"], "10.0.0.0/8") {
		t.Errorf("b: %v", got["b"])
	}
	if !slices.Contains(tr.Calls, "GET mgmt/instances") || !slices.Contains(tr.Calls, "nova GET servers/detail") {
		t.Errorf("calls %v", tr.Calls)
	}
}

// A rebuild is a change only while the server runs another image: the
// second run of an upgrade rebuilds nothing.
func TestRebuildOnlyWhenTheServerRunsAnotherImage(t *testing.T) {
	_, tr, m := fake(t)
	i := tr.AddInstance("db1", "5.7.29")
	src := "id = \"" + i.ID + "\"\nrebuild = \"img2\"\nwait = { timeout = \"30s\" }\n"
	p, a := moduletest.Run(t, m, req(t, m, src))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("first: %v %v %+v", p.Action, p.Err, a)
	}
	if !strings.Contains(p.Reason, "it runs img1") {
		t.Errorf("reason %q", p.Reason)
	}
	if i.Image != "img2" {
		t.Fatalf("server image %s", i.Image)
	}
	p = moduletest.Plan(t, m, req(t, m, src))
	if p.Action != module.NoOp || !strings.Contains(p.Reason, "already runs image img2") {
		t.Fatalf("again: %v %q", p.Action, p.Reason)
	}
	if n := len(tr.CallsOf("POST mgmt/instances/")); n != 1 {
		t.Errorf("%d rebuilds", n)
	}
}

// A restore keeps the old instance's networks and access: they go into
// the create request.
func TestCreateWithNetworksAndAccess(t *testing.T) {
	_, tr, m := fake(t)
	src := createSrc + "networks = [\"net1\"]\naccess = { is_public = true, allowed_cidrs = [\"192.0.2.0/24\"] }\n"
	_, a := moduletest.Run(t, m, req(t, m, src))
	if a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	got := named(tr, "db1")
	if len(got) != 1 || !slices.Equal(got[0].Networks, []string{"net1"}) || !got[0].Public || !slices.Equal(got[0].CIDRs, []string{"192.0.2.0/24"}) {
		t.Fatalf("instance %+v", got)
	}
	if a.Outputs.GetAttr("networks").LengthInt() != 1 || !a.Outputs.GetAttr("access").GetAttr("is_public").True() {
		t.Errorf("outputs %#v", a.Outputs)
	}
}
