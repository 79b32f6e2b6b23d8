package troveinstance_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/labenv"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
	troveinstance "github.com/runbook-dev/runbook/modules/trove_instance"
)

type lab struct {
	prefix string // this test's instances, the ones the snapshots compare
	env    labenv.Env
	sc     *gophercloud.ServiceClient
	m      module.Module
}

func newLab(t *testing.T) *lab {
	t.Helper()
	env := labenv.OpenStack(t)
	openstack.Forget()
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: env["LAB_TROVE_CLOUD_DEMO"]})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.Database()
	if err != nil {
		t.Fatal(err)
	}
	return &lab{env: env, sc: sc, m: troveinstance.New()}
}

func (l *lab) req(t *testing.T, src string) module.Request {
	t.Helper()
	r := moduletest.Request(moduletest.Args(t, l.m, src), nil, "")
	r.Output = func(_, line string) { t.Log(line) }
	return r
}

// snapshot is every instance of the demo project named with prefix, with
// status, version, flavor and size.
func (l *lab) snapshot(t *testing.T, prefix string) []string {
	t.Helper()
	all, err := troveops.List(context.Background(), l.sc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range all {
		if !strings.HasPrefix(i.Name, prefix) {
			continue // other tests share the lab project
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s %d", i.ID, i.Name, i.Status, i.Datastore.Version, i.Flavor.ID, i.Volume.Size))
	}
	slices.Sort(out)
	return out
}

func (l *lab) cleanup(t *testing.T, prefix string) {
	t.Cleanup(func() {
		all, err := troveops.List(context.Background(), l.sc)
		if err != nil {
			return
		}
		for _, i := range all {
			if strings.HasPrefix(i.Name, prefix) {
				gcinstances.Delete(context.Background(), l.sc, i.ID)
			}
		}
	})
}

// planOnly plans and asserts that the project's instances did not change.
func (l *lab) planOnly(t *testing.T, req module.Request) *module.PlanResponse {
	t.Helper()
	before := l.snapshot(t, l.prefix)
	p := moduletest.Plan(t, l.m, req)
	if after := l.snapshot(t, l.prefix); !slices.Equal(before, after) {
		t.Fatalf("Plan changed the instances:\n%v\n%v", before, after)
	}
	return p
}

func TestLabInstanceLifecycle(t *testing.T) {
	l := newLab(t)
	e := l.env
	name := fmt.Sprintf("rbt-inst-%d", os.Getpid())
	l.prefix = name
	l.cleanup(t, name)
	demo := fmt.Sprintf("cloud = %q\n", e["LAB_TROVE_CLOUD_DEMO"])
	create := demo + fmt.Sprintf(`name = %q
flavor = %q
volume_size = 1
datastore = %q
datastore_version = %q
databases = ["app"]
users = [{ name = "app", password = "s3cret-app-pw", databases = ["app"] }]
wait = { status = "HEALTHY", timeout = "3m" }
`, name, e["LAB_FLAVOR_ID"], e["LAB_DATASTORE"], e["LAB_DATASTORE_VERSION"])

	// Check mode: create would change, and nothing is created.
	if p := l.planOnly(t, l.req(t, create)); p.Err != nil || p.Action != module.Change {
		t.Fatalf("plan create: %v %v", p.Action, p.Err)
	}
	// Create -> HEALTHY.
	_, a := moduletest.Run(t, l.m, l.req(t, create))
	if a == nil || a.Err != nil {
		t.Fatalf("create: %+v", a)
	}
	id := a.Outputs.GetAttr("id").AsString()
	if st := a.Outputs.GetAttr("status").AsString(); st != "HEALTHY" && st != "ACTIVE" {
		t.Errorf("status after create: %s", st)
	}
	if v := a.Outputs.GetAttr("datastore").GetAttr("version").AsString(); v != e["LAB_DATASTORE_VERSION"] {
		t.Errorf("version %s", v)
	}
	// Create again: no-op with the same instance.
	if p := l.planOnly(t, l.req(t, create)); p.Action != module.NoOp || p.Outputs.GetAttr("id").AsString() != id {
		t.Fatalf("second create: %v %s %v", p.Action, p.Reason, p.Err)
	}
	// find and list (read-only).
	if p := l.planOnly(t, l.req(t, demo+fmt.Sprintf("action = \"find\"\nname = %q\n", name))); p.Err != nil || p.Outputs.GetAttr("id").AsString() != id {
		t.Fatalf("find: %v %v", p.Reason, p.Err)
	}
	lp := l.planOnly(t, l.req(t, demo+fmt.Sprintf("action = \"list\"\ndatastore_version = %q\nstatus = [\"HEALTHY\", \"ACTIVE\"]\n", e["LAB_DATASTORE_VERSION"])))
	if lp.Err != nil {
		t.Fatalf("list: %v", lp.Err)
	}
	found := false
	for _, v := range lp.Outputs.GetAttr("instances").AsValueSlice() {
		found = found || v.GetAttr("id").AsString() == id
	}
	if !found {
		t.Fatalf("list by version lacks %s", id)
	}

	// Upgrade: change, then UPGRADE -> HEALTHY on the new version; again: no-op.
	upgrade := demo + fmt.Sprintf("action = \"upgrade\"\nid = %q\ndatastore_version = %q\nwait = { timeout = \"3m\" }\n", id, e["LAB_DATASTORE_UPGRADE_VERSION"])
	if p := l.planOnly(t, l.req(t, upgrade)); p.Action != module.Change {
		t.Fatalf("plan upgrade: %v %v", p.Action, p.Err)
	}
	_, a = moduletest.Run(t, l.m, l.req(t, upgrade))
	if a == nil || a.Err != nil || a.Outputs.GetAttr("datastore").GetAttr("version").AsString() != e["LAB_DATASTORE_UPGRADE_VERSION"] {
		t.Fatalf("upgrade: %+v", a)
	}
	if p := moduletest.Plan(t, l.m, l.req(t, upgrade)); p.Action != module.NoOp {
		t.Fatalf("upgrade again: %v %s", p.Action, p.Reason)
	}

	// Restart: always a change.
	restart := demo + fmt.Sprintf("action = \"restart\"\nname = %q\n", name)
	if p := l.planOnly(t, l.req(t, restart)); p.Action != module.Change {
		t.Fatalf("plan restart: %v %v", p.Action, p.Err)
	}
	if _, a = moduletest.Run(t, l.m, l.req(t, restart)); a == nil || a.Err != nil {
		t.Fatalf("restart: %+v", a)
	}

	// Rebuild with the second image, as admin through the management API.
	rebuild := fmt.Sprintf("cloud = %q\nid = %q\nrebuild = %q\nwait = { timeout = \"3m\" }\n", e["LAB_TROVE_CLOUD_ADMIN"], id, e["LAB_IMAGE2_ID"])
	if p := l.planOnly(t, l.req(t, rebuild)); p.Action != module.Change {
		t.Fatalf("plan rebuild: %v %v", p.Action, p.Err)
	}
	if _, a = moduletest.Run(t, l.m, l.req(t, rebuild)); a == nil || a.Err != nil {
		t.Fatalf("rebuild: %+v", a)
	}

	// Delete: refused without confirm (in the plan already), then done.
	del := demo + fmt.Sprintf("action = \"delete\"\nid = %q\n", id)
	if p := l.planOnly(t, l.req(t, del)); p.Err == nil || !strings.Contains(p.Err.Error(), "confirm = true") {
		t.Fatalf("delete without confirm: %v", p.Err)
	}
	del += "confirm = true\n"
	if p := l.planOnly(t, l.req(t, del)); p.Action != module.Change {
		t.Fatalf("plan delete: %v %v", p.Action, p.Err)
	}
	if _, a = moduletest.Run(t, l.m, l.req(t, del)); a == nil || a.Err != nil {
		t.Fatalf("delete: %+v", a)
	}
	if p := moduletest.Plan(t, l.m, l.req(t, del)); p.Action != module.NoOp {
		t.Fatalf("delete again: %v %s", p.Action, p.Reason)
	}
}

func TestLabInstanceErrors(t *testing.T) {
	l := newLab(t)
	e := l.env
	prefix := fmt.Sprintf("rbt-err-%d", os.Getpid())
	l.prefix = prefix
	l.cleanup(t, prefix)
	base := func(name, flavor, version string) string {
		return fmt.Sprintf("cloud = %q\nname = %q\nflavor = %q\nvolume_size = 1\ndatastore = %q\ndatastore_version = %q\nwait = { timeout = \"2m\" }\n",
			e["LAB_TROVE_CLOUD_DEMO"], name, flavor, e["LAB_DATASTORE"], version)
	}
	for _, tc := range []struct{ what, src string }{
		{"unknown flavor", base(prefix+"-f", "99999", e["LAB_DATASTORE_VERSION"])},
		{"unknown version", base(prefix+"-v", e["LAB_FLAVOR_ID"], "9.9.9")},
	} {
		_, a := moduletest.Run(t, l.m, l.req(t, tc.src))
		if a == nil || a.Err == nil {
			t.Errorf("%s: accepted", tc.what)
			continue
		}
		msg := a.Err.Error()
		t.Logf("%s: %s", tc.what, msg)
		// Trove's API pipeline has no request_id middleware: its answers
		// carry no X-Openstack-Request-Id; the error shows the global
		// request id runbook sent (Trove logs it).
		if !strings.Contains(msg, "creating Trove instance") || !strings.Contains(msg, "400 Bad Request: ") || !strings.Contains(msg, "(POST http") || !strings.Contains(msg, "global request id req-") {
			t.Errorf("%s: unclear error %s", tc.what, msg)
		}
	}
	// An instance that goes to ERROR fails the task with its fault (Trove's
	// fake guest agent fails prepare() for a name ending in GUEST_ERROR).
	_, a := moduletest.Run(t, l.m, l.req(t, base(prefix+"-GUEST_ERROR", e["LAB_FLAVOR_ID"], e["LAB_DATASTORE_VERSION"])))
	if a == nil || a.Err == nil {
		t.Fatal("instance in ERROR did not fail the task")
	}
	var fe *troveops.FaultError
	if !errorsAs(a.Err, &fe) {
		t.Fatalf("not a fault error: %v", a.Err)
	}
	t.Logf("ERROR: %v", a.Err)
	// A timeout says what it waited for and the last status.
	src := strings.Replace(base(prefix+"-slow", e["LAB_FLAVOR_ID"], e["LAB_DATASTORE_VERSION"]), `timeout = "2m"`, `timeout = "1s"`, 1)
	_, a = moduletest.Run(t, l.m, l.req(t, src))
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "timed out after 1s waiting for Trove instance") {
		t.Fatalf("timeout: %+v", a)
	}
	t.Logf("timeout: %v", a.Err)
}
