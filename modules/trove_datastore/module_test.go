package trovedatastore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
	trovedatastore "github.com/runbook-dev/runbook/modules/trove_datastore"
)

func req(t *testing.T, m module.Module, src string) module.Request {
	t.Helper()
	return moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\n"+src), nil, "")
}

func TestRead(t *testing.T) {
	fc := openstacktest.New(t)
	openstacktest.NewTrove(fc)
	m := trovedatastore.New()
	p := moduletest.Plan(t, m, req(t, m, `datastore = "mysql"`))
	if p.Err != nil || p.Action != module.NoOp {
		t.Fatalf("%v %v", p.Action, p.Err)
	}
	o := p.Outputs
	if o.GetAttr("default_version").AsString() != "5.7.29" || o.GetAttr("versions").LengthInt() != 2 ||
		o.GetAttr("version_ids").Index(ctyStr("5.7.30")).AsString() != "v30" || o.GetAttr("image_ids").Index(ctyStr("5.7.29")).AsString() != "img1" {
		t.Errorf("outputs %#v", o)
	}
	// How many configuration parameters each version has: none loaded for
	// 5.7.30 is what a runbook's check must catch.
	pc := o.GetAttr("parameter_counts")
	if n, _ := pc.Index(ctyStr("5.7.29")).AsBigFloat().Int64(); n != 3 {
		t.Errorf("5.7.29 parameters %#v", pc)
	}
	if n, _ := pc.Index(ctyStr("5.7.30")).AsBigFloat().Int64(); n != 0 {
		t.Errorf("5.7.30 parameters %#v", pc)
	}
	if p := moduletest.Plan(t, m, req(t, m, `datastore = "postgresql"`)); p.Err == nil || p.Err.Error() != `no Trove datastore "postgresql"` {
		t.Errorf("unknown datastore: %v", p.Err)
	}
}

func TestVersionRegisterUpdateNoOp(t *testing.T) {
	fc := openstacktest.New(t)
	tr := openstacktest.NewTrove(fc)
	m := trovedatastore.New()
	src := "action = \"version\"\ndatastore = \"mysql\"\nversion = \"5.7.31\"\nimage = \"img9\"\n"
	p, a := moduletest.Run(t, m, req(t, m, src))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("register: %v %v %+v", p.Action, p.Err, a)
	}
	if a.Outputs.GetAttr("version").GetAttr("image").AsString() != "img9" {
		t.Errorf("outputs %#v", a.Outputs)
	}
	if p := moduletest.Plan(t, m, req(t, m, src)); p.Action != module.NoOp {
		t.Fatalf("again: %v %s", p.Action, p.Reason)
	}
	// A new image for an existing version is an update (PATCH).
	p, a = moduletest.Run(t, m, req(t, m, strings.Replace(src, "img9", "img10", 1)))
	if p.Action != module.Change || len(p.Diff.Items) != 1 || p.Diff.Items[0].Before != "img9" || a == nil || a.Err != nil {
		t.Fatalf("update: %v %+v %+v", p.Action, p.Diff, a)
	}
	if got := tr.CallsOf("PATCH mgmt/datastore-versions/"); len(got) != 1 {
		t.Errorf("PATCH calls %v", got)
	}
}

func TestVersionNeedsAdmin(t *testing.T) {
	fc := openstacktest.New(t)
	fc.Mux.HandleFunc(fc.DatabasePath("mgmt/datastore-versions"), func(w http.ResponseWriter, r *http.Request) {
		openstacktest.JSON(w, 403, `{"forbidden": {"code": 403, "message": "User does not have admin privileges."}}`)
	})
	m := trovedatastore.New()
	p := moduletest.Plan(t, m, req(t, m, "action = \"version\"\ndatastore = \"mysql\"\nversion = \"5.7.31\"\nimage = \"x\"\n"))
	if p.Err == nil || !strings.Contains(p.Err.Error(), "403 Forbidden: User does not have admin privileges.") || !strings.Contains(p.Err.Error(), "needs an admin cloud") {
		t.Fatalf("got %v", p.Err)
	}
}
