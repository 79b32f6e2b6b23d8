package core

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// Unit tests of the walk: real Load, Prepare and Run, a fake transport
// that records every command per host, a fake module ("step") that fails
// where it is told to, and an event recorder.

// recTransport is a transport.Dialer whose connections record commands.
type recTransport struct {
	mu          sync.Mutex
	calls       map[string][]string // host -> commands, in order
	unreachable map[string]bool     // hosts whose dial fails
}

func newRecTransport(unreachable ...string) *recTransport {
	f := &recTransport{calls: map[string][]string{}, unreachable: map[string]bool{}}
	for _, h := range unreachable {
		f.unreachable[h] = true
	}
	return f
}

func (f *recTransport) Dial(_ context.Context, ep *transport.Endpoint) (transport.Conn, error) {
	if f.unreachable[ep.Name] {
		return nil, &transport.UnreachableError{Host: ep.Name, Err: fmt.Errorf("connection refused")}
	}
	return &recConn{f: f, host: ep.Name}, nil
}

// commands returns what ran on host.
func (f *recTransport) commands(host string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls[host]...)
}

type recConn struct {
	f    *recTransport
	host string
}

func (c *recConn) Exec(_ context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	line := strings.Join(cmd.Argv, " ")
	c.f.mu.Lock()
	c.f.calls[c.host] = append(c.f.calls[c.host], line)
	c.f.mu.Unlock()
	return &transport.Result{Stdout: []byte(line)}, nil
}

func (c *recConn) Upload(context.Context, io.Reader, string, fs.FileMode) error { return nil }
func (c *recConn) Download(context.Context, string, io.Writer) error            { return nil }
func (c *recConn) Close() error                                                 { return nil }

// stepOutputs is the outputs type of the step module.
var stepOutputs = cty.Object(map[string]cty.Type{"host": cty.String, "value": cty.String})

// stepModule runs "step TASK" on its host through the connection, and
// fails on the hosts named in fail_on (in Plan with fail_plan_on).
type stepModule struct{}

func (stepModule) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"name":         &hcldec.AttrSpec{Name: "name", Type: cty.String},
			"value":        &hcldec.AttrSpec{Name: "value", Type: cty.String},
			"fail_on":      &hcldec.AttrSpec{Name: "fail_on", Type: cty.List(cty.String)},
			"fail_plan_on": &hcldec.AttrSpec{Name: "fail_plan_on", Type: cty.List(cty.String)},
			"missing_on":   &hcldec.AttrSpec{Name: "missing_on", Type: cty.List(cty.String)},
			"changed":      &hcldec.AttrSpec{Name: "changed", Type: cty.Bool},
		},
		Outputs: stepOutputs,
		Summary: "test module: runs a step on its host, fails where told",
	}
}

func listHas(v cty.Value, s string) bool {
	if v.IsNull() {
		return false
	}
	for it := v.ElementIterator(); it.Next(); {
		if _, e := it.Element(); !e.IsNull() && e.AsString() == s {
			return true
		}
	}
	return false
}

func strOr(v cty.Value, def string) string {
	if v.IsNull() {
		return def
	}
	return v.AsString()
}

func (stepModule) Plan(_ context.Context, req *module.PlanRequest) *module.PlanResponse {
	if listHas(req.Args.GetAttr("fail_plan_on"), req.Host.Name) {
		return &module.PlanResponse{Err: fmt.Errorf("plan failed on %s as told", req.Host.Name)}
	}
	if listHas(req.Args.GetAttr("missing_on"), req.Host.Name) {
		return &module.PlanResponse{Err: module.NotYet(fmt.Errorf("what the plan looks at is missing on %s", req.Host.Name))}
	}
	if c := req.Args.GetAttr("changed"); !c.IsNull() && c.False() {
		return &module.PlanResponse{Action: module.NoOp, Outputs: cty.ObjectVal(map[string]cty.Value{
			"host": cty.StringVal(req.Host.Name), "value": cty.StringVal(strOr(req.Args.GetAttr("value"), "")),
		})}
	}
	reason := "step"
	var diff *module.Diff
	if v := req.Args.GetAttr("value"); !v.IsNull() {
		reason = "step to " + v.AsString()
		diff = diff.Add(module.DiffItem{Name: "value", Before: "old", After: v.AsString()})
	}
	return &module.PlanResponse{Action: module.Change, Reason: reason, Diff: diff}
}

func (stepModule) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	name := strOr(req.Args.GetAttr("name"), "")
	if _, err := req.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"step", name}}); err != nil {
		return &module.ApplyResponse{Err: err}
	}
	value := strOr(req.Args.GetAttr("value"), "")
	if req.Output != nil && value != "" {
		req.Output("stdout", "value: "+value)
	}
	if listHas(req.Args.GetAttr("fail_on"), req.Host.Name) {
		if value != "" {
			return &module.ApplyResponse{Err: &module.CommandError{RC: 1, Stderr: "no good: " + value, Msg: "step " + name + " failed on " + req.Host.Name + " as told"}}
		}
		return &module.ApplyResponse{Err: fmt.Errorf("step %s failed on %s as told", name, req.Host.Name)}
	}
	return &module.ApplyResponse{Changed: true, Outputs: cty.ObjectVal(map[string]cty.Value{
		"host": cty.StringVal(req.Host.Name), "value": cty.StringVal(strOr(req.Args.GetAttr("value"), "")),
	})}
}

func walkRegistry() *module.Registry {
	r := stubRegistry()
	r.Register("step", stepModule{})
	r.Register("kv", kvModule{})
	r.Register("conv", convModule{})
	return r
}

// walkInventory has three hosts on the fake transport, in group web.
const walkInventory = `
defaults {
  transport = "local"
}
group "web" {}
host "h1" {
  groups = ["web"]
}
host "h2" {
  groups = ["web"]
}
host "h3" {
  groups = ["web"]
}
`

// walked is what one run of a runbook gave.
type walked struct {
	res     *Result
	events  []event.Event
	tr      *recTransport
	journal *recJournal
}

// prepareWalk loads and prepares a runbook against inv (the default
// inventory when empty), failing the test on a diagnostic.
func prepareWalk(t *testing.T, runbook, inv string, opts Options) *Prepared {
	t.Helper()
	p, diags := tryPrepareWalk(t, runbook, inv, opts)
	if diags.HasErrors() {
		t.Fatalf("prepare: %s", detailDiags(diags))
	}
	return p
}

func tryPrepareWalk(t *testing.T, runbook, inv string, opts Options) (*Prepared, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	rbDir := filepath.Join(dir, "runbook")
	if err := os.Mkdir(rbDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rbDir, "main.hcl"), []byte(runbook), 0o600); err != nil {
		t.Fatal(err)
	}
	if inv == "" {
		inv = walkInventory
	}
	invPath := filepath.Join(dir, "inventory.hcl")
	if err := os.WriteFile(invPath, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, diags := Load(LoadOptions{Dir: rbDir, Inventory: []string{invPath}, Registry: walkRegistry()})
	if diags.HasErrors() {
		return nil, diags
	}
	return loaded.Prepare(opts)
}

func runPrepared(t *testing.T, p *Prepared, tr *recTransport) walked {
	t.Helper()
	if tr == nil {
		tr = newRecTransport()
	}
	rec := &event.Recorder{}
	j := &recJournal{}
	res := p.Run(context.Background(), RunOptions{Sink: rec, Dialers: map[string]transport.Dialer{"local": tr}, Journal: j})
	return walked{res: res, events: rec.Events(), tr: tr, journal: j}
}

// recJournal records what the walk journals.
type recJournal struct {
	mu      sync.Mutex
	entries []journalEntry
}

type journalEntry struct {
	task, host string
	outputs    cty.Value
	withheld   bool
}

func (j *recJournal) Completed(task, host, _ string, _ bool, outputs cty.Value, withheld bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, journalEntry{task, host, outputs, withheld})
}

func runWalk(t *testing.T, runbook string, opts Options, tr *recTransport) walked {
	t.Helper()
	return runPrepared(t, prepareWalk(t, runbook, "", opts), tr)
}

// finished returns "task[key]@host" -> the instance's TaskFinished events.
func (w walked) finished() map[string][]event.TaskFinished {
	out := map[string][]event.TaskFinished{}
	for _, e := range w.events {
		if f, ok := e.(event.TaskFinished); ok {
			id := f.Task
			if f.Key != "" {
				id += "[" + f.Key + "]"
			}
			id += "@" + f.Host
			out[id] = append(out[id], f)
		}
	}
	return out
}

// status returns the one status of an instance, failing the test when
// the instance finished other than exactly once.
func (w walked) status(t *testing.T, id string) event.TaskFinished {
	t.Helper()
	evs := w.finished()[id]
	if len(evs) != 1 {
		t.Fatalf("%s finished %d times, want once; events:\n%s", id, len(evs), w.dump())
	}
	return evs[0]
}

func (w walked) dump() string {
	var lines []string
	for id, evs := range w.finished() {
		for _, e := range evs {
			lines = append(lines, fmt.Sprintf("  %s %s %s", id, e.Status, e.Reason))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func wantCycle(t *testing.T, diags hcl.Diagnostics, mentions ...string) {
	t.Helper()
	for _, d := range diags {
		if d.Summary != "Dependency cycle between task instances" {
			continue
		}
		for _, m := range mentions {
			if !strings.Contains(d.Detail, m) {
				t.Errorf("the cycle's detail does not mention %q:\n%s", m, d.Detail)
			}
		}
		if d.Subject == nil || d.Subject.Filename == "" || d.Subject.Start.Line < 1 {
			t.Errorf("the cycle diagnostic has no source range: %#v", d.Subject)
		}
		return
	}
	t.Fatalf("want a dependency cycle between task instances, got:\n%s", detailDiags(diags))
}

// The first case: a runbook-level serial = 1 and a task that
// reads task.a.hosts make barrier -> a on h2 -> b on h1 -> barrier. The
// walk used to drop the stuck instances and end 2 ("changes made").
func TestCycleThroughSerialBarrierIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
runbook {
  serial = 1
}
task "a" {
  hosts = group.web
  step {
    name = "a"
  }
}
task "b" {
  hosts = group.web
  step {
    name  = "b"
    value = join(",", keys(task.a.hosts))
  }
}
`, "", Options{})
	wantCycle(t, diags, "task.b on h1 waits for task.a on h2", "task.a.hosts", "serial batch 1 (h1)", "runbook serial")
}

// A control-node task waits for the any_errors_fatal join over every
// batch, and a batch-1 host needs the control-node task.
func TestCycleThroughFatalJoinIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
runbook {
  serial = 1
}
task "a" {
  hosts            = group.web
  any_errors_fatal = true
  step {
    name = "a"
  }
}
task "c" {
  step {
    name  = "c"
    value = task.a.outputs.value
  }
}
task "d" {
  hosts = group.web
  step {
    name  = "d"
    value = task.c.outputs.value
  }
}
`, "", Options{})
	wantCycle(t, diags, "the any_errors_fatal join of task.a", "task.c on localhost", "serial batch")
}

// A task that refers to a task of a block waits for the whole block; with
// a runbook serial, the block on a later batch closes a circle.
func TestCycleThroughBlockIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
runbook {
  serial = 1
}
block {
  hosts = group.web
  task "m" {
    hosts = ["h1"]
    step {
      name = "m"
    }
  }
  always {
    task "cleanup" {
      step {
        name = "cleanup"
      }
    }
  }
}
task "x" {
  step {
    name  = "x"
    value = task.m.outputs.value
  }
}
task "y" {
  hosts = group.web
  step {
    name  = "y"
    value = task.x.outputs.value
  }
}
`, "", Options{})
	wantCycle(t, diags, "so it waits for the whole block", "task.y on h1 waits for task.x on localhost")
}

// A handler on the hosts notified by a control-node task that gathers
// every host: under a runbook serial the handler of batch 1 waits for
// hosts of batch 2.
func TestCycleThroughHandlerIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
runbook {
  serial = 1
}
task "a" {
  hosts = group.web
  step {
    name = "a"
  }
}
task "gather" {
  step {
    name  = "gather"
    value = join(",", [for h in task.a.hosts : h.outputs.value])
  }
  notify = [handler.restart]
}
handler "restart" {
  hosts = group.web
  step {
    name = "restart"
  }
}
`, "", Options{})
	wantCycle(t, diags, "it notifies handler.restart", "task.gather on localhost waits for task.a on h")
}

// The second case: a fails on h1; b on h2 reads it and is
// skipped; c on the control node reads b and used to run anyway.
func TestFailureSkipsEverythingThatNeedsItTransitively(t *testing.T) {
	w := runWalk(t, `
task "a" {
  hosts = ["h1"]
  step {
    name    = "a"
    fail_on = ["h1"]
  }
}
task "b" {
  hosts = ["h2"]
  step {
    name  = "b"
    value = task.a.outputs.value
  }
}
task "c" {
  step {
    name  = "c"
    value = task.b.outputs.value
  }
}
task "free" {
  hosts = ["h3"]
  step {
    name = "free"
  }
}
`, Options{}, nil)
	if st := w.status(t, "task.a@h1").Status; st != event.StatusFailed {
		t.Errorf("a on h1: %s, want failed", st)
	}
	if f := w.status(t, "task.b@h2"); f.Status != event.StatusSkipped || f.Reason != "needs task.a on h1, which failed" {
		t.Errorf("b on h2: %s %q, want skipped: needs task.a on h1, which failed", f.Status, f.Reason)
	}
	if f := w.status(t, "task.c@localhost"); f.Status != event.StatusSkipped ||
		f.Reason != "needs task.b on h2, which was skipped: task.a on h1 failed" {
		t.Errorf("c on localhost: %s %q, want skipped: needs task.b on h2, which was skipped: task.a on h1 failed", f.Status, f.Reason)
	}
	if got := w.tr.commands("h2"); len(got) != 0 {
		t.Errorf("b ran on h2: %v", got)
	}
	if got := w.tr.commands("localhost"); len(got) != 0 {
		t.Errorf("c ran on the control node: %v", got)
	}
	if got := w.tr.commands("h3"); strings.Join(got, ";") != "step free" {
		t.Errorf("an independent task must still run: h3 ran %v", got)
	}
	if w.res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", w.res.ExitCode)
	}
}

// An unreachable host skips what needs its instances, with that reason.
func TestUnreachableSkipsWhatNeedsIt(t *testing.T) {
	w := runWalk(t, `
task "a" {
  hosts = group.web
  step {
    name = "a"
  }
}
task "c" {
  step {
    name  = "c"
    value = join(",", [for h in task.a.hosts : h.outputs.value])
  }
}
`, Options{}, newRecTransport("h2"))
	if st := w.status(t, "task.a@h2").Status; st != event.StatusUnreachable {
		t.Errorf("a on h2: %s, want unreachable", st)
	}
	if f := w.status(t, "task.c@localhost"); f.Status != event.StatusSkipped || f.Reason != "needs task.a on h2, which was unreachable" {
		t.Errorf("c: %s %q", f.Status, f.Reason)
	}
}

// A failure on a host skips the host's later tasks, and what needs those
// on other hosts is skipped with the failure named.
func TestHostFailureIsNamedDownstream(t *testing.T) {
	w := runWalk(t, `
task "a" {
  hosts = group.web
  step {
    name    = "a"
    fail_on = ["h2"]
  }
}
task "x" {
  hosts      = group.web
  depends_on = [task.a]
  step {
    name = "x"
  }
}
task "c" {
  step {
    name  = "c"
    value = join(",", [for h in task.x.hosts : h.outputs.value])
  }
}
`, Options{}, nil)
	if f := w.status(t, "task.x@h2"); f.Status != event.StatusSkipped || !strings.Contains(f.Reason, "task.a on h2 failed") {
		t.Errorf("x on h2: %s %q", f.Status, f.Reason)
	}
	if f := w.status(t, "task.c@localhost"); f.Status != event.StatusSkipped || f.Reason != "needs task.x on h2, which was skipped: task.a on h2 failed" {
		t.Errorf("c: %s %q", f.Status, f.Reason)
	}
}

// A failure a rescue then recovers does not skip what needs the block.
func TestRescuedFailureDoesNotSkipDependents(t *testing.T) {
	w := runWalk(t, `
block {
  hosts = ["h1"]
  task "try" {
    step {
      name    = "try"
      fail_on = ["h1"]
    }
  }
  rescue {
    task "fix" {
      step {
        name  = "fix"
        value = try(task.try.outputs.value, "none")
      }
    }
  }
}
task "after" {
  step {
    name  = "after"
    value = try(task.try.outputs.value, "none")
  }
}
`, Options{}, nil)
	if st := w.status(t, "task.fix@h1").Status; st != event.StatusChanged {
		t.Errorf("rescue: %s\n%s", st, w.dump())
	}
	if st := w.status(t, "task.after@localhost").Status; st != event.StatusChanged {
		t.Errorf("after a rescued block: %s\n%s", st, w.dump())
	}
	if w.res.ExitCode != 2 {
		t.Errorf("exit %d, want 2", w.res.ExitCode)
	}
}

// Every instance runs exactly once, on its own host, and the recap counts
// them: the baseline the property test generalises.
func TestWalkRunsEveryInstanceOnce(t *testing.T) {
	w := runWalk(t, `
task "a" {
  hosts = group.web
  step {
    name = "a"
  }
}
task "b" {
  hosts = group.web
  step {
    name  = "b"
    value = task.a.outputs.host
  }
  notify = [handler.h]
}
handler "h" {
  hosts = ["h1"]
  step {
    name = "h"
  }
}
`, Options{}, nil)
	for _, h := range []string{"h1", "h2", "h3"} {
		want := "step a;step b"
		if h == "h1" {
			want += ";step h"
		}
		if got := strings.Join(w.tr.commands(h), ";"); got != want {
			t.Errorf("%s ran %q, want %q", h, got, want)
		}
	}
	if w.res.ExitCode != 2 || w.res.Changes != 7 {
		t.Errorf("exit %d with %d changes, want 2 and 7", w.res.ExitCode, w.res.Changes)
	}
}

// A runbook-level serial with an any_errors_fatal task that others need:
// the join node has no host, and building the graph used to dereference
// it. Each batch's join waits only for its own hosts.
func TestRunbookSerialWithFatalTask(t *testing.T) {
	w := runWalk(t, `
runbook {
  serial = 1
}
task "a" {
  hosts            = group.web
  any_errors_fatal = true
  step {
    name = "a"
  }
}
task "b" {
  hosts = group.web
  step {
    name  = "b"
    value = task.a.outputs.value
  }
}
`, Options{}, nil)
	for _, h := range []string{"h1", "h2", "h3"} {
		if got := strings.Join(w.tr.commands(h), ";"); got != "step a;step b" {
			t.Errorf("%s ran %q", h, got)
		}
	}
	if w.res.ExitCode != 2 {
		t.Errorf("exit %d, want 2", w.res.ExitCode)
	}

	// A failure of the fatal task stops everything after it.
	w = runWalk(t, `
runbook {
  serial = 1
}
task "a" {
  hosts            = group.web
  any_errors_fatal = true
  step {
    name    = "a"
    fail_on = ["h1"]
  }
}
task "b" {
  hosts = group.web
  step {
    name  = "b"
    value = task.a.outputs.value
  }
}
`, Options{}, nil)
	if got := w.tr.commands("h2"); len(got) != 0 {
		t.Errorf("h2 ran %v after the fatal failure on h1", got)
	}
	if w.res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", w.res.ExitCode)
	}
}

// An instance the walk never reaches is reported as a failure: the run
// never ends 0 or 2 with work left undone. Prepare rejects cycles, so the
// test adds one to a prepared graph behind its back.
func TestWalkReportsInstancesItNeverReached(t *testing.T) {
	p := prepareWalk(t, `
task "a" {
  hosts = ["h1"]
  step {
    name = "a"
  }
}
task "b" {
  hosts = ["h1"]
  step {
    name  = "b"
    value = task.a.outputs.value
  }
}
task "free" {
  hosts = ["h2"]
  step {
    name = "free"
  }
}
`, "", Options{})
	a, b := p.nodes["task.a"][0], p.nodes["task.b"][0]
	p.g.Connect(b, a) // a now waits for b, which waits for a
	w := runPrepared(t, p, nil)
	for _, id := range []string{"task.a@h1", "task.b@h1"} {
		if f := w.status(t, id); f.Status != event.StatusFailed || !strings.Contains(f.Reason, "internal error") {
			t.Errorf("%s: %s %q, want failed: internal error", id, f.Status, f.Reason)
		}
	}
	if st := w.status(t, "task.free@h2").Status; st != event.StatusChanged {
		t.Errorf("free: %s", st)
	}
	if w.res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", w.res.ExitCode)
	}
	var fin event.RunFinished
	for _, e := range w.events {
		if f, ok := e.(event.RunFinished); ok {
			fin = f
		}
	}
	if !strings.Contains(fin.Error, "2 task instances never started") {
		t.Errorf("run finished with %q", fin.Error)
	}
}
