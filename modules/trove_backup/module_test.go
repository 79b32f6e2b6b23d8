package trovebackup_test

import (
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
	trovebackup "github.com/runbook-dev/runbook/modules/trove_backup"
)

func req(t *testing.T, m module.Module, src string) module.Request {
	t.Helper()
	return moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\n"+src), nil, "")
}

func TestCreateWaitsIdempotentListDelete(t *testing.T) {
	fc := openstacktest.New(t)
	tr := openstacktest.NewTrove(fc)
	tr.AddInstance("db1", "5.7.29")
	m := trovebackup.New()

	create := "instance = \"db1\"\nname = \"nightly\"\nwait = { timeout = \"30s\" }\n"
	p, a := moduletest.Run(t, m, req(t, m, create))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("plan %v %v apply %+v", p.Action, p.Err, a)
	}
	out := a.Outputs
	if out.GetAttr("status").AsString() != "COMPLETED" || !strings.HasPrefix(out.GetAttr("location").AsString(), "http://swift/") {
		t.Errorf("outputs %#v", out)
	}
	id := out.GetAttr("id").AsString()
	if p := moduletest.Plan(t, m, req(t, m, create)); p.Action != module.NoOp || p.Outputs.GetAttr("id").AsString() != id {
		t.Fatalf("again: %v %s", p.Action, p.Reason)
	}
	if n := len(tr.CallsOf("POST backups")); n != 1 {
		t.Errorf("%d backups created", n)
	}
	lp := moduletest.Plan(t, m, req(t, m, "action = \"list\"\ninstance = \"db1\"\n"))
	if lp.Err != nil || lp.Outputs.GetAttr("backups").LengthInt() != 1 {
		t.Fatalf("list: %v %#v", lp.Err, lp.Outputs)
	}
	del := "action = \"delete\"\nname = \"nightly\"\n"
	if p := moduletest.Plan(t, m, req(t, m, del)); p.Err == nil || !strings.Contains(p.Err.Error(), "without confirm = true") {
		t.Fatalf("delete without confirm: %v", p.Err)
	}
	p, a = moduletest.Run(t, m, req(t, m, del+"confirm = true\n"))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("delete: %v %v %+v", p.Action, p.Err, a)
	}
	if p := moduletest.Plan(t, m, req(t, m, del+"confirm = true\n")); p.Action != module.NoOp {
		t.Fatalf("delete again: %v", p.Action)
	}
}

func TestFailedBackupFailsTheTask(t *testing.T) {
	fc := openstacktest.New(t)
	tr := openstacktest.NewTrove(fc)
	tr.AddInstance("db1", "5.7.29")
	m := trovebackup.New()
	_, a := moduletest.Run(t, m, req(t, m, "instance = \"db1\"\nname = \"x-FAIL\"\n"))
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), `Trove backup "x-FAIL" (bk-0002) of instance "db1" (inst-0001) FAILED`) {
		t.Fatalf("got %+v", a)
	}
	// A failed backup of that name does not count: the next run tries again.
	if p := moduletest.Plan(t, m, req(t, m, "instance = \"db1\"\nname = \"x-FAIL\"\n")); p.Action != module.Change {
		t.Fatalf("after failure: %v %s", p.Action, p.Reason)
	}
}

func TestUnknownInstance(t *testing.T) {
	fc := openstacktest.New(t)
	openstacktest.NewTrove(fc)
	m := trovebackup.New()
	p := moduletest.Plan(t, m, req(t, m, "instance = \"nope\"\nname = \"b\"\n"))
	if p.Err == nil || p.Err.Error() != `no Trove instance "nope"` {
		t.Fatalf("got %v", p.Err)
	}
	for _, tc := range []struct{ src, want string }{
		{`name = "x"`, "instance is required here"},
		{`action = "find"`, "Give at least one of id or name"},
		{`action = "copy"`, `not "copy"`},
	} {
		if p := moduletest.Plan(t, m, req(t, m, tc.src)); p.Err == nil || !strings.Contains(p.Err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.src, p.Err)
		}
	}
}
