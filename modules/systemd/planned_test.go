package systemd

import (
	"reflect"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

const unitText = "[Unit]\nDescription=app\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n"

func notFound(id string) string {
	return "Id=" + id + "\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nCanReload=no\nNeedDaemonReload=no"
}

func loaded(id, active, fileState, extra string) string {
	return "Id=" + id + "\nLoadState=loaded\nActiveState=" + active + "\nSubState=running\nUnitFileState=" + fileState +
		"\nCanReload=no\nNeedDaemonReload=no\nFragmentPath=/etc/systemd/system/" + id + extra
}

// planWith plans src on a host whose systemctl show answers show, with
// the facts of view laid over it.
func planWith(t *testing.T, src, show string, view *moduletest.View, more map[string]*transport.Result) (*module.PlanResponse, *fakeConn) {
	t.Helper()
	answers := map[string]*transport.Result{"systemctl show": showOut(show), "find ": {RC: 1}}
	for k, v := range more {
		answers[k] = v
	}
	conn := &fakeConn{answers: answers}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, src), conn, "fake1")
	if view != nil {
		req.View = view
	}
	return moduletest.Plan(t, m, req), conn
}

func fileFact(p, content string) module.Fact {
	return hostfs.New(nil, nil).Plan(p, hostfs.Planned{Kind: "file", Content: []byte(content), Mode: 0o644, ModeSet: true, UID: -1, GID: -1})
}

func TestPlanUnitFileTheCheckPlans(t *testing.T) {
	src := "name = \"app\"\nstate = \"started\"\nenabled = true\ndaemon_reload = true"
	// Without the plan of its unit file, the unit is not there.
	p, _ := planWith(t, src, notFound("app.service"), nil, nil)
	if p.Err == nil || !strings.Contains(p.Err.Error(), "unit app not found on fake1") {
		t.Fatalf("without planned state: %v", p.Err)
	}
	v := &moduletest.View{}
	v.Add("task.unit_file@fake1", fileFact("/etc/systemd/system/app.service", unitText))
	p, conn := planWith(t, src, notFound("app.service"), v, nil)
	if p.Err != nil || p.Action != module.Change || p.Reason != "enable app.service; start app.service" {
		t.Fatalf("plan: %v %v %q", p.Err, p.Action, p.Reason)
	}
	for _, c := range conn.ran {
		if !strings.HasPrefix(c, "systemctl show ") && !strings.HasPrefix(c, "find ") {
			t.Errorf("plan ran %q", c)
		}
	}
	want := []module.Fact{
		{Key: "unit", Value: daemonReloaded{}}, // enable reloads
		{Key: "unit/app.service", Value: plannedUnit{ActiveState: "active", UnitFileState: "enabled"}},
	}
	if !reflect.DeepEqual(p.Planned, want) {
		t.Errorf("facts %#v, want %#v", p.Planned, want)
	}
	// A unit file without [Install] is static: enabled = true has
	// nothing to do, as systemd would say.
	v = &moduletest.View{}
	v.Add("task.unit_file@fake1", fileFact("/etc/systemd/system/app.service", "[Service]\nExecStart=/bin/true\n"))
	if p, _ := planWith(t, src, notFound("app.service"), v, nil); p.Err != nil || p.Reason != "start app.service" {
		t.Errorf("static unit: %v %q", p.Err, p.Reason)
	}
	// After the systemd task that starts and enables it, started and
	// enabled are no-ops.
	v = &moduletest.View{}
	v.Add("task.unit_file@fake1", fileFact("/etc/systemd/system/app.service", unitText))
	v.Add("task.service@fake1", want...)
	if p, _ := planWith(t, src, notFound("app.service"), v, nil); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("after the service task: %v %v %q", p.Err, p.Action, p.Reason)
	}
	// A restart after it restarts an active unit.
	p, _ = planWith(t, "name = \"app\"\nstate = \"restarted\"", notFound("app.service"), v, nil)
	if p.Err != nil || p.Diff == nil || p.Diff.Items[0].Before != "active" {
		t.Errorf("restart after start: %v %+v", p.Err, p.Diff)
	}
	// What a command made there cannot be known.
	v = &moduletest.View{}
	v.Add("task.gen@fake1", hostfs.New(nil, nil).PlanSomething("/etc/systemd/system/app.service"))
	if p, _ := planWith(t, src, notFound("app.service"), v, nil); p.Err == nil || !strings.Contains(p.Err.Error(), "known only after task.gen@fake1") {
		t.Errorf("unknown unit file: %v", p.Err)
	}
}

func TestPlanChangedUnitFileNeedsReload(t *testing.T) {
	src := "name = \"app\"\nstate = \"started\"\ndaemon_reload = true"
	v := &moduletest.View{}
	v.Add("task.unit_file@fake1", fileFact("/etc/systemd/system/app.service", unitText+"# changed\n"))
	// A running unit stays loaded: systemd sees its file changed.
	p, _ := planWith(t, src, loaded("app.service", "active", "enabled", ""), v, nil)
	if p.Err != nil || p.Reason != "daemon-reload" || p.Diff.Items[0].Before != "app.service changed on disk" {
		t.Errorf("running: %v %q %+v", p.Err, p.Reason, p.Diff)
	}
	// An idle unit nothing refers to is loaded afresh by the next look.
	if p, _ := planWith(t, src, loaded("app.service", "inactive", "disabled", ""), v, nil); p.Err != nil || p.Reason != "start app.service" {
		t.Errorf("idle: %v %q", p.Err, p.Reason)
	}
	// ... unless a target wants it.
	if p, _ := planWith(t, src, loaded("app.service", "inactive", "enabled", "\nWantedBy=multi-user.target"), v, nil); p.Err != nil || p.Reason != "daemon-reload; start app.service" {
		t.Errorf("wanted: %v %q", p.Err, p.Reason)
	}
	// A daemon-reload planned before it clears the need.
	v.Add("task.reload@fake1", module.Fact{Key: "unit", Value: daemonReloaded{}})
	if p, _ := planWith(t, src, loaded("app.service", "active", "enabled", ""), v, nil); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("after a reload: %v %v %q", p.Err, p.Action, p.Reason)
	}
}

func TestPlanNewDropInNeedsReload(t *testing.T) {
	src := "name = \"app\"\nstate = \"started\"\ndaemon_reload = true"
	v := &moduletest.View{}
	v.Add("task.dropin@fake1", fileFact("/etc/systemd/system/app.service.d/limits.conf", "[Service]\nLimitNOFILE=4096\n"))
	p, _ := planWith(t, src, loaded("app.service", "active", "enabled", ""), v, nil)
	if p.Err != nil || p.Reason != "daemon-reload" || p.Diff.Items[0].Before != "new drop-in /etc/systemd/system/app.service.d/limits.conf" {
		t.Errorf("new drop-in: %v %q %+v", p.Err, p.Reason, p.Diff)
	}
	// One systemd loaded already: it knows it changed.
	p, _ = planWith(t, src, loaded("app.service", "active", "enabled", "\nDropInPaths=/etc/systemd/system/app.service.d/limits.conf"), v, nil)
	if p.Err != nil || p.Diff == nil || p.Diff.Items[0].Before != "app.service changed on disk" {
		t.Errorf("changed drop-in: %v %+v", p.Err, p.Diff)
	}
}

func TestPlanGlobMatchesPlannedUnitFiles(t *testing.T) {
	v := &moduletest.View{}
	v.Add("task.units@fake1",
		fileFact("/etc/systemd/system/app-api.service", unitText),
		fileFact("/etc/systemd/system/app-worker.service", unitText),
		fileFact("/etc/systemd/system/other.service", unitText))
	more := map[string]*transport.Result{"systemctl list-units": {}, "systemctl list-unit-files": {}}
	p, conn := planWith(t, "name = \"app-*\"\nstate = \"started\"", notFound("app-api.service")+"\n\n"+notFound("app-worker.service"), v, more)
	if p.Err != nil || p.Reason != "start app-api.service, app-worker.service" {
		t.Fatalf("glob: %v %q", p.Err, p.Reason)
	}
	var show string
	for _, c := range conn.ran {
		if strings.HasPrefix(c, "systemctl show") {
			show = c
		}
	}
	if !strings.HasSuffix(show, "-- app-api.service app-worker.service") {
		t.Errorf("showed %q", show)
	}
}

func TestUnitFileState(t *testing.T) {
	for content, want := range map[string]string{
		unitText:                           "disabled",
		"[Service]\nExecStart=/bin/true\n": "static",
		"[Install]\nAlso=other.service\n":  "indirect",
		"[Install]\n# WantedBy=x\n":        "static",
		"[Install]\nWantedBy=\n":           "static",
	} {
		if got := unitFileState([]byte(content)); got != want {
			t.Errorf("unitFileState(%q) = %q, want %q", content, got, want)
		}
	}
}
