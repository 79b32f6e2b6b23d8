package systemd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
)

// labUnits are the lab's test units whose state the snapshots compare.
var labUnits = []string{
	"rb-ok.service", "rb-reload.service", "rb-fail.service", "rb-flap.service", "rb-disabled.service",
	"devstack@tr-api.service", "devstack@tr-cond.service", "devstack@tr-tmgr.service", "devstack@keystone.service",
}

// snapshot records everything a plan must not change: each test unit's
// state, enablement and last activation, and rb-reload's reload counter.
func snapshot(t *testing.T, conn transport.Conn) string {
	t.Helper()
	ctx := context.Background()
	us, err := show(ctx, conn, labUnits)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "%s %s/%s %s %s\n", u.ID, u.ActiveState, u.SubState, u.UnitFileState, u.ActiveEnterMono)
	}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: []string{"sh", "-c", "cat /run/rb-reload.count 2>/dev/null | wc -l"}})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "reloads %s", res.Stdout)
	return b.String()
}

func labRun(t *testing.T, conn transport.Conn, host string, src string) (*module.PlanResponse, *module.ApplyResponse) {
	t.Helper()
	m := New()
	return moduletest.Run(t, m, moduletest.Request(moduletest.Args(t, m, src), conn, host))
}

func labPlan(t *testing.T, conn transport.Conn, host string, src string) *module.PlanResponse {
	t.Helper()
	m := New()
	return moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, src), conn, host))
}

func resetFailed(t *testing.T, conn transport.Conn) {
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"systemctl", "reset-failed"}})
	})
}

func diffText(d *module.Diff) string {
	if d == nil {
		return ""
	}
	var lines []string
	for _, it := range d.Items {
		lines = append(lines, it.Name+": "+it.Before+" -> "+it.After)
	}
	return strings.Join(lines, "\n")
}

// TestLabCheckModeChangesNothing plans changes of every kind and checks
// that the host is exactly as before, while each plan says what it would do.
func TestLabCheckModeChangesNothing(t *testing.T) {
	conn, host := labHost(t)
	before := snapshot(t, conn)
	tests := []struct {
		src      string
		action   module.Action
		wantDiff string
	}{
		{`units = ["devstack@tr-*"]
		  state = "restarted"`, module.Change,
			"devstack@tr-api.service active: active -> active (restarted)\n" +
				"devstack@tr-cond.service active: active -> active (restarted)\n" +
				"devstack@tr-tmgr.service active: active -> active (restarted)"},
		{`name = "rb-ok"
		  state = "stopped"`, module.Change, "rb-ok.service active: active -> inactive"},
		{`name = "rb-disabled"
		  state = "started"
		  enabled = true`, module.Change,
			"rb-disabled.service enabled: disabled -> enabled\nrb-disabled.service active: inactive -> active"},
		{`name = "rb-reload"
		  state = "reloaded"`, module.Change, "rb-reload.service active: active -> active (reloaded)"},
		{`name = "rb-fail"
		  state = "started"`, module.Change, "rb-fail.service active: inactive -> active"},
		{`units = ["rb-ok", "devstack@*"]
		  state = "started"
		  enabled = true`, module.NoOp, ""},
		{`name = "rb-ok"
		  enabled = false`, module.Change, "rb-ok.service enabled: enabled -> disabled"},
		{`name = "rb-fail"
		  enabled = true`, module.NoOp, ""}, // static: no enablement of its own
	}
	for _, tt := range tests {
		p := labPlan(t, conn, host, tt.src)
		if p.Err != nil {
			t.Fatalf("%s: %v", tt.src, p.Err)
		}
		if p.Action != tt.action {
			t.Errorf("%s: action %v (%s), want %v", tt.src, p.Action, p.Reason, tt.action)
		}
		if got := diffText(p.Diff); got != tt.wantDiff {
			t.Errorf("%s: diff\n%s\nwant\n%s", tt.src, got, tt.wantDiff)
		}
	}
	if after := snapshot(t, conn); after != before {
		t.Errorf("plans changed the host:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestLabGlob expands a glob to exactly the matching units on the host.
func TestLabGlob(t *testing.T) {
	conn, host := labHost(t)
	p := labPlan(t, conn, host, `units = ["devstack@tr-*"]
	state = "started"`)
	if p.Err != nil || p.Action != module.NoOp {
		t.Fatalf("plan: %v %v %s", p.Err, p.Action, p.Reason)
	}
	if !p.Outputs.Type().Equals(New().Schema().Outputs) {
		t.Errorf("outputs type %#v does not match the schema", p.Outputs.Type())
	}
	names := p.Outputs.GetAttr("names")
	var got []string
	for it := names.ElementIterator(); it.Next(); {
		_, v := it.Element()
		got = append(got, v.AsString())
	}
	want := "devstack@tr-api.service devstack@tr-cond.service devstack@tr-tmgr.service"
	if strings.Join(got, " ") != want {
		t.Errorf("names = %v, want %s", got, want)
	}
	u := p.Outputs.GetAttr("units").Index(ctyStr("devstack@tr-api.service"))
	if u.GetAttr("before").AsString() != "active" || u.GetAttr("active_enter_timestamp").AsString() == "" {
		t.Errorf("unit output %#v", u)
	}
}

// TestLabStartEnableThenRestore starts and enables a disabled unit, checks
// that a second run is a no-op, and puts it back.
func TestLabStartEnableThenRestore(t *testing.T) {
	conn, host := labHost(t)
	t.Cleanup(func() {
		ctx := context.Background()
		_, _ = conn.Exec(ctx, &transport.Cmd{Argv: []string{"systemctl", "disable", "--now", "rb-disabled"}})
	})
	up := `name = "rb-disabled"
	state = "started"
	enabled = true
	wait = { timeout = "10s", stable = "1s" }`
	p, a := labRun(t, conn, host, up)
	if p.Err != nil || p.Action != module.Change {
		t.Fatalf("plan: %v %v", p.Err, p.Action)
	}
	if a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("apply: %+v", a)
	}
	u := a.Outputs.GetAttr("units").Index(ctyStr("rb-disabled.service"))
	if u.GetAttr("before").AsString() != "inactive" || u.GetAttr("after").AsString() != "active" ||
		u.GetAttr("enabled").AsString() != "enabled" || !u.GetAttr("changed").True() {
		t.Errorf("outputs after start: %#v", u)
	}
	if p2 := labPlan(t, conn, host, up); p2.Err != nil || p2.Action != module.NoOp {
		t.Errorf("second plan: %v %v %s", p2.Err, p2.Action, p2.Reason)
	}

	down := `name = "rb-disabled"
	state = "stopped"
	enabled = false`
	p, a = labRun(t, conn, host, down)
	if p.Err != nil || a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("stop: plan %v, apply %+v", p.Err, a)
	}
	if got := diffText(p.Diff); got != "rb-disabled.service enabled: enabled -> disabled\nrb-disabled.service active: active -> inactive" {
		t.Errorf("stop diff: %s", got)
	}
	if p2 := labPlan(t, conn, host, down); p2.Err != nil || p2.Action != module.NoOp {
		t.Errorf("second plan after stop: %v %v %s", p2.Err, p2.Action, p2.Reason)
	}
}

// TestLabRestartGlob restarts every devstack@tr-* unit: each one's
// ActiveEnterTimestamp moves, keystone's does not.
func TestLabRestartGlob(t *testing.T) {
	conn, host := labHost(t)
	before, err := show(context.Background(), conn, []string{"devstack@tr-api", "devstack@tr-cond", "devstack@tr-tmgr", "devstack@keystone"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // so the second-resolution timestamp can move too
	p, a := labRun(t, conn, host, `units = ["devstack@tr-*"]
	state = "restarted"
	wait = { stable = "1s" }`)
	if p.Err != nil || a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("restart: plan %v, apply %+v", p.Err, a)
	}
	after, err := show(context.Background(), conn, []string{"devstack@tr-api", "devstack@tr-cond", "devstack@tr-tmgr", "devstack@keystone"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if after[i].ActiveEnterMono == before[i].ActiveEnterMono || after[i].ActiveState != "active" {
			t.Errorf("%s not restarted: %+v -> %+v", after[i].ID, before[i], after[i])
		}
		out := a.Outputs.GetAttr("units").Index(ctyStr(after[i].ID)).GetAttr("active_enter_timestamp").AsString()
		if out != after[i].ActiveEnter || out == before[i].ActiveEnter {
			t.Errorf("%s: output timestamp %q, before %q, now %q", after[i].ID, out, before[i].ActiveEnter, after[i].ActiveEnter)
		}
	}
	if after[3].ActiveEnterMono != before[3].ActiveEnterMono {
		t.Errorf("devstack@keystone was restarted too")
	}
}

// TestLabReload reloads rb-reload (its ExecReload counts) exactly once.
func TestLabReload(t *testing.T) {
	conn, host := labHost(t)
	count := func() string {
		res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"sh", "-c", "cat /run/rb-reload.count 2>/dev/null | wc -l"}})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(res.Stdout))
	}
	n0 := count()
	_, a := labRun(t, conn, host, `name = "rb-reload"
	state = "reloaded"`)
	if a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("apply: %+v", a)
	}
	time.Sleep(200 * time.Millisecond)
	var i0, i1 int
	fmt.Sscan(n0, &i0)
	fmt.Sscan(count(), &i1)
	if i1 != i0+1 {
		t.Errorf("reload count %d -> %d, want one more", i0, i1)
	}
}

// TestLabDaemonReload changes units on disk (a unit file, then a new
// drop-in): daemon_reload is then a change, and once done a no-op.
func TestLabDaemonReload(t *testing.T) {
	conn, host := labHost(t)
	ctx := context.Background()
	dropin := "/etc/systemd/system/rb-ok.service.d"
	sh := func(script string) {
		t.Helper()
		res, err := conn.Exec(ctx, &transport.Cmd{Argv: []string{"sh", "-c", script}})
		if err != nil || res.RC != 0 {
			t.Fatalf("%s: %v %s", script, err, res.Stderr)
		}
	}
	t.Cleanup(func() { sh("rm -rf " + dropin + " && systemctl daemon-reload") })
	src := `units = ["rb-ok", "rb-reload"]
	daemon_reload = true`
	if p := labPlan(t, conn, host, src); p.Err != nil || p.Action != module.NoOp {
		t.Fatalf("plan before any change: %v %v %s", p.Err, p.Action, p.Reason)
	}
	for _, tc := range []struct{ change, diff string }{
		{"touch /etc/systemd/system/rb-ok.service", "daemon-reload: rb-ok.service changed on disk -> reloaded"},
		{"mkdir -p " + dropin + " && printf '[Unit]\\nDescription=changed by runbook test\\n' > " + dropin + "/x.conf",
			"daemon-reload: new drop-in " + dropin + "/x.conf -> reloaded"},
	} {
		sh(tc.change)
		p, a := labRun(t, conn, host, src)
		if p.Err != nil || p.Action != module.Change || diffText(p.Diff) != tc.diff {
			t.Fatalf("after %s: plan %v %v %q", tc.change, p.Err, p.Action, diffText(p.Diff))
		}
		if a == nil || a.Err != nil || !a.Changed {
			t.Fatalf("apply: %+v", a)
		}
		if p2 := labPlan(t, conn, host, src); p2.Err != nil || p2.Action != module.NoOp {
			t.Errorf("second plan: %v %v %s", p2.Err, p2.Action, p2.Reason)
		}
	}
}

// TestLabErrors: bad input fails in Plan, before anything changes; a unit
// that fails to start or to stay up fails with its journal.
func TestLabErrors(t *testing.T) {
	conn, host := labHost(t)
	resetFailed(t, conn)
	before := snapshot(t, conn)
	planErrs := []struct{ src, want string }{
		{`name = "rb-nope"
		  state = "started"`, "unit rb-nope not found on " + host},
		{`units = ["rb-ok", "nope.service"]
		  state = "restarted"`, "unit nope.service not found on " + host},
		{`units = ["zz-nothing-*"]
		  state = "stopped"`, `no unit matches "zz-nothing-*" on ` + host},
		{`name = "rb-ok"
		  state = "reloaded"`, "unit rb-ok.service on " + host + " cannot reload"},
		{`name = "devstack@.service"
		  state = "started"`, "is a template"},
	}
	for _, tt := range planErrs {
		p := labPlan(t, conn, host, tt.src)
		if p.Err == nil || !strings.Contains(p.Err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.src, p.Err, tt.want)
		}
	}
	if after := snapshot(t, conn); after != before {
		t.Errorf("failed plans changed the host:\n%s\n%s", before, after)
	}

	_, a := labRun(t, conn, host, `name = "rb-fail"
	state = "started"`)
	var ue *UnitError
	if a == nil || !errors.As(a.Err, &ue) {
		t.Fatalf("start rb-fail: %+v", a)
	}
	if msg := a.Err.Error(); !strings.Contains(msg, "start rb-fail.service on "+host) ||
		!strings.Contains(msg, "rb-fail: cannot open /etc/rb-fail.conf") {
		t.Errorf("start rb-fail error lacks the unit, host or journal:\n%s", msg)
	}

	start := time.Now()
	_, a = labRun(t, conn, host, `name = "rb-flap"
	state = "started"
	wait = { timeout = "20s", stable = "5s" }`)
	if a == nil || a.Err == nil {
		t.Fatalf("rb-flap with wait did not fail: %+v", a)
	}
	msg := a.Err.Error()
	if !strings.Contains(msg, "wait for rb-flap.service on "+host) || !strings.Contains(msg, "was active, then became failed") ||
		!strings.Contains(msg, "rb-flap: lost connection to backend") {
		t.Errorf("rb-flap error:\n%s", msg)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("rb-flap failure took %s: it should fail as soon as the unit fails", d)
	}
}

// BenchmarkLabPlanGlob measures planning a restart of devstack@tr-* over
// SSH: list-units, list-unit-files and one show.
func BenchmarkLabPlanGlob(b *testing.B) {
	conn, host := labHost(b)
	m := New()
	req := moduletest.Request(moduletest.Args(b, m, `units = ["devstack@tr-*"]
	state = "restarted"`), conn, host)
	for i := 0; i < b.N; i++ {
		if p := m.Plan(context.Background(), &module.PlanRequest{Request: req}); p.Err != nil {
			b.Fatal(p.Err)
		}
	}
}
