package core

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// convModule is a module.Converger: it runs "plan NAME", "apply NAME" or
// "converge NAME" on its host, so a test sees which the engine called. The
// host is as asked when as_wanted is true; fail_first fails its first
// Converge on each host.
type convModule struct{}

func (convModule) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"name":       &hcldec.AttrSpec{Name: "name", Type: cty.String, Required: true},
			"as_wanted":  &hcldec.AttrSpec{Name: "as_wanted", Type: cty.Bool},
			"fail_first": &hcldec.AttrSpec{Name: "fail_first", Type: cty.Bool},
		},
		Outputs: stepOutputs,
		Summary: "test module: plans, applies or converges, and says which",
	}
}

func convOut(req *module.Request) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"host": cty.StringVal(req.Host.Name), "value": req.Args.GetAttr("name")})
}

func convFlag(req *module.Request, name string) bool {
	v := req.Args.GetAttr(name)
	return !v.IsNull() && v.True()
}

func (convModule) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	name := req.Args.GetAttr("name").AsString()
	if _, err := req.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"plan", name}}); err != nil {
		return &module.PlanResponse{Err: err}
	}
	if convFlag(&req.Request, "as_wanted") {
		return &module.PlanResponse{Action: module.NoOp, Reason: name + " is as wanted", Outputs: convOut(&req.Request)}
	}
	return &module.PlanResponse{Action: module.Change, Reason: "would make " + name,
		Diff: (*module.Diff)(nil).Add(module.DiffItem{Name: name, Before: "old", After: "new"})}
}

func (convModule) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	name := req.Args.GetAttr("name").AsString()
	if _, err := req.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"apply", name}}); err != nil {
		return &module.ApplyResponse{Err: err}
	}
	return &module.ApplyResponse{Changed: true, Outputs: convOut(&req.Request)}
}

func (convModule) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	name := req.Args.GetAttr("name").AsString()
	res, err := req.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"converge", name}})
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Err: err}
	}
	if convFlag(&req.Request, "as_wanted") {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: name + " is as wanted", Outputs: convOut(&req.Request)}
	}
	if convFlag(&req.Request, "fail_first") && res.RC == 0 && countPrefix(req.Conn, "converge "+name) == 1 {
		return &module.ConvergeResponse{Action: module.Change, Err: fmt.Errorf("%s failed once as told", name)}
	}
	return &module.ConvergeResponse{Action: module.Change, Changed: true, Outputs: convOut(&req.Request),
		Diff: (*module.Diff)(nil).Add(module.DiffItem{Name: name, Before: "old", After: "new"})}
}

// countPrefix counts the commands that ran on the connection's host.
func countPrefix(conn transport.Conn, line string) int {
	for c := conn; c != nil; {
		switch x := c.(type) {
		case *recConn:
			n := 0
			for _, l := range x.f.commands(x.host) {
				if l == line {
					n++
				}
			}
			return n
		case interface{ Unwrap() transport.Conn }:
			c = x.Unwrap()
		default:
			return -1
		}
	}
	return -1
}

const convergeRunbook = `
task "made" {
  hosts = ["h1"]
  conv {
    name = "made"
  }
  notify = [handler.h]
}
task "kept" {
  hosts = ["h1"]
  conv {
    name       = "kept"
    as_wanted  = true
  }
}
task "reads" {
  hosts = ["h1"]
  step {
    name  = "reads"
    value = "${task.made.outputs.value}+${task.kept.outputs.value}"
  }
}
handler "h" {
  hosts = ["h1"]
  step {
    name = "handler"
  }
}
`

func TestRunConvergesInsteadOfPlanAndApply(t *testing.T) {
	w := runWalk(t, convergeRunbook, Options{Diff: true}, nil)
	cmds := strings.Join(w.tr.commands("h1"), "\n")
	for _, want := range []string{"converge made", "converge kept", "step reads", "step handler"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("no %q on h1; ran:\n%s", want, cmds)
		}
	}
	for _, never := range []string{"plan made", "apply made", "plan kept"} {
		if strings.Contains(cmds, never) {
			t.Errorf("a run of a Converger planned or applied (%q); ran:\n%s", never, cmds)
		}
	}
	if n := strings.Count(cmds, "converge made"); n != 1 {
		t.Errorf("converge made ran %d times, want once", n)
	}
	if st := w.status(t, "task.made@h1"); st.Status != event.StatusChanged || len(st.Diff) != 1 || len(st.Notified) != 1 {
		t.Errorf("made: %s diff %v notified %v, want changed with its diff and the handler", st.Status, st.Diff, st.Notified)
	}
	if st := w.status(t, "task.kept@h1"); st.Status != event.StatusOK || st.Reason != "kept is as wanted" {
		t.Errorf("kept: %s %q, want ok with the module's reason", st.Status, st.Reason)
	}
	if st := w.status(t, "handler.h@h1"); st.Status != event.StatusChanged {
		t.Errorf("handler: %s, want it run (notified by a converged change)", st.Status)
	}
	if ok := strings.Contains(cmds, "step reads"); !ok {
		t.Fatal("reads did not run")
	}
	var got string
	for _, e := range w.journal.entries {
		if e.task == "task.reads" {
			got = e.outputs.GetAttr("value").AsString()
		}
	}
	if got != "made+kept" {
		t.Errorf("reads saw %q, want the converged outputs made+kept", got)
	}
}

func TestCheckPlansAConverger(t *testing.T) {
	w := runWalk(t, convergeRunbook, Options{Check: true}, nil)
	cmds := strings.Join(w.tr.commands("h1"), "\n")
	if strings.Contains(cmds, "converge") || strings.Contains(cmds, "apply") {
		t.Errorf("a check converged or applied; ran:\n%s", cmds)
	}
	if !strings.Contains(cmds, "plan made") || !strings.Contains(cmds, "plan kept") {
		t.Errorf("a check did not plan; ran:\n%s", cmds)
	}
	if st := w.status(t, "task.made@h1"); st.Status != event.StatusWouldChange {
		t.Errorf("made in a check: %s, want would change", st.Status)
	}
}

func TestCheckModeTaskInARunPlans(t *testing.T) {
	w := runWalk(t, `
task "made" {
  hosts      = ["h1"]
  check_mode = true
  conv {
    name = "made"
  }
}
`, Options{}, nil)
	cmds := strings.Join(w.tr.commands("h1"), "\n")
	if cmds != "plan made" {
		t.Errorf("check_mode = true in a run ran:\n%s\nwant only its plan", cmds)
	}
	if st := w.status(t, "task.made@h1"); st.Status != event.StatusWouldChange {
		t.Errorf("made: %s, want would change", st.Status)
	}
}

func TestConvergeErrorRetriesAndMetaArguments(t *testing.T) {
	w := runWalk(t, `
task "flaky" {
  hosts   = ["h1"]
  retries = 2
  delay   = "0s"
  conv {
    name       = "flaky"
    fail_first = true
  }
}
task "quiet" {
  hosts        = ["h1"]
  changed_when = false
  conv {
    name = "quiet"
  }
}
task "told" {
  hosts       = ["h2"]
  failed_when = self.outputs.value == "told"
  conv {
    name = "told"
  }
}
`, Options{}, nil)
	cmds := w.tr.commands("h1")
	n := 0
	for _, c := range cmds {
		if c == "converge flaky" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("flaky converged %d times, want 2 (a retry looks at the host again); ran %q", n, cmds)
	}
	if st := w.status(t, "task.flaky@h1"); st.Status != event.StatusChanged {
		t.Errorf("flaky: %s %q, want changed on its retry", st.Status, st.Reason)
	}
	if st := w.status(t, "task.quiet@h1"); st.Status != event.StatusOK {
		t.Errorf("quiet: %s %q, want ok (changed_when = false)\n%s", st.Status, st.Reason, w.dump())
	}
	if st := w.status(t, "task.told@h2"); st.Status != event.StatusFailed || !strings.Contains(st.Reason, "failed_when") {
		t.Errorf("told: %s %q, want failed by failed_when", st.Status, st.Reason)
	}
}
