package core

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/module"
)

// kvModule sets key to value in a "kv" namespace of the host view. The
// host itself holds nothing: only planned facts can make a plan a no-op.
type kvModule struct{}

var kvOutputs = cty.Object(map[string]cty.Type{"key": cty.String, "value": cty.String})

func (kvModule) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"key":   &hcldec.AttrSpec{Name: "key", Type: cty.String, Required: true},
			"value": &hcldec.AttrSpec{Name: "value", Type: cty.String, Required: true},
		},
		Outputs: kvOutputs,
		Summary: "test module: a key-value fact",
	}
}

func (kvModule) Plan(_ context.Context, req *module.PlanRequest) *module.PlanResponse {
	key, value := req.Args.GetAttr("key").AsString(), req.Args.GetAttr("value").AsString()
	cur := "(unset)"
	if req.View != nil {
		facts, err := req.View.Planned("kv/" + key)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		for _, f := range facts {
			if f.Key == "kv/"+key {
				cur = f.Value.(string)
			}
		}
	}
	out := cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": cty.StringVal(value)})
	if cur == value {
		return &module.PlanResponse{Action: module.NoOp, Reason: key + " is " + value, Outputs: out}
	}
	return &module.PlanResponse{Action: module.Change, Reason: fmt.Sprintf("would set %s: %s -> %s", key, cur, value),
		Outputs: cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": cty.UnknownVal(cty.String)}),
		Planned: []module.Fact{{Key: "kv/" + key, Value: value}}}
}

func (kvModule) Apply(_ context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	return &module.ApplyResponse{Changed: true, Outputs: cty.ObjectVal(map[string]cty.Value{
		"key": req.Args.GetAttr("key"), "value": req.Args.GetAttr("value"),
	})}
}

// A plan reads the planned facts of the instances it depends on, on its
// own host, and no others'.
func TestCheckPlanSeesOnlyWhatItDependsOn(t *testing.T) {
	w := runWalk(t, `
task "a" {
  hosts = ["h1", "h2"]
  kv {
    key   = "x"
    value = "1"
  }
}
task "after" {
  hosts = ["h1", "h2"]
  kv {
    key   = task.a.outputs.key # planned outputs: known before apply
    value = "1"
  }
}
task "unrelated" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "1"
  }
}
task "other_host" {
  hosts = ["h3"]
  kv {
    key   = "x"
    value = "1"
  }
  depends_on = [task.a]
}
task "later" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "2"
  }
  depends_on = [task.after]
}
`, Options{Check: true}, nil)
	for _, h := range []string{"h1", "h2"} {
		ev := w.status(t, "task.after@"+h)
		if ev.Status != event.StatusOK || !reflect.DeepEqual(ev.PredictedFrom, []string{"task.a@" + h}) {
			t.Errorf("after@%s: %s %q from %v; want ok, predicted from task.a@%s", h, ev.Status, ev.Reason, ev.PredictedFrom, h)
		}
	}
	for _, id := range []string{"task.unrelated@h1", "task.other_host@h3"} {
		if ev := w.status(t, id); ev.Status != event.StatusWouldChange || ev.PredictedFrom != nil {
			t.Errorf("%s: %s %q from %v; want would_change, seeing nothing planned", id, ev.Status, ev.Reason, ev.PredictedFrom)
		}
	}
	// Through an instance that changes nothing, to the one before it.
	if ev := w.status(t, "task.later@h1"); ev.Status != event.StatusWouldChange || ev.Reason != "would set x: 1 -> 2" || !reflect.DeepEqual(ev.PredictedFrom, []string{"task.a@h1"}) {
		t.Errorf("later@h1: %s %q from %v", ev.Status, ev.Reason, ev.PredictedFrom)
	}
	// In a run there is no planned state: the host is the truth.
	r := runWalk(t, `
task "a" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "1"
  }
}
task "after" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "1"
  }
  depends_on = [task.a]
}
`, Options{}, nil)
	if ev := r.status(t, "task.after@h1"); ev.Status != event.StatusChanged || ev.PredictedFrom != nil {
		t.Errorf("run: after@h1 %s from %v", ev.Status, ev.PredictedFrom)
	}
}

// Two instances the graph does not order both plan the same thing: what a
// plan after both reads depends on chance, so it cannot be predicted.
func TestCheckUnorderedPlansOfOneThingAreAConflict(t *testing.T) {
	w := runWalk(t, `
task "p" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "1"
  }
}
task "q" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "2"
  }
}
task "r" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "2"
  }
  depends_on = [task.p, task.q]
}
task "ordered" {
  hosts = ["h1"]
  kv {
    key   = "y"
    value = "1"
  }
  depends_on = [task.p]
}
task "s" {
  hosts = ["h1"]
  kv {
    key   = "y"
    value = "1"
  }
  depends_on = [task.ordered, task.q]
}
`, Options{Check: true}, nil)
	ev := w.status(t, "task.r@h1")
	if ev.Status != event.StatusUnpredictable || !strings.Contains(ev.Reason, `both plan changes to "kv/x", in no set order`) ||
		!strings.Contains(ev.Reason, "task.p@h1") || !strings.Contains(ev.Reason, "task.q@h1") {
		t.Errorf("r: %s %q; want unpredictable naming p and q", ev.Status, ev.Reason)
	}
	// Facts of different things do not conflict.
	if ev := w.status(t, "task.s@h1"); ev.Status != event.StatusOK {
		t.Errorf("s: %s %q", ev.Status, ev.Reason)
	}
	// Negative: ordered writers are not a conflict, the later one wins.
	w = runWalk(t, `
task "p" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "1"
  }
}
task "q" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "2"
  }
  depends_on = [task.p]
}
task "r" {
  hosts = ["h1"]
  kv {
    key   = "x"
    value = "2"
  }
  depends_on = [task.q]
}
`, Options{Check: true}, nil)
	if ev := w.status(t, "task.r@h1"); ev.Status != event.StatusOK || !reflect.DeepEqual(ev.PredictedFrom, []string{"task.p@h1", "task.q@h1"}) {
		t.Errorf("r after p then q: %s %q from %v", ev.Status, ev.Reason, ev.PredictedFrom)
	}
}

// for_each items record their facts under their own names.
func TestCheckForEachItemsPlanFacts(t *testing.T) {
	w := runWalk(t, `
task "each" {
  hosts    = ["h1"]
  for_each = toset(["x", "y"])
  kv {
    key   = each.key
    value = "1"
  }
}
task "after" {
  hosts = ["h1"]
  kv {
    key   = "y"
    value = "1"
  }
  depends_on = [task.each]
}
`, Options{Check: true}, nil)
	if ev := w.status(t, "task.after@h1"); ev.Status != event.StatusOK || !reflect.DeepEqual(ev.PredictedFrom, []string{"task.each[y]@h1"}) {
		t.Errorf("after: %s %q from %v", ev.Status, ev.Reason, ev.PredictedFrom)
	}
}

// A fact under a key does not answer a question about the key itself
// (a file planned in /srv/app says nothing of /srv/app): it is neither
// returned nor counted in predicted_from.
func TestCheckFactsUnderAKeyAreNotItsAnswer(t *testing.T) {
	w := runWalk(t, `
task "below" {
  hosts = ["h1"]
  kv {
    key   = "dir/sub"
    value = "1"
  }
}
task "above" {
  hosts = ["h1"]
  kv {
    key   = "dir"
    value = "1"
  }
  depends_on = [task.below]
}
`, Options{Check: true}, nil)
	if ev := w.status(t, "task.above@h1"); ev.Status != event.StatusWouldChange || ev.PredictedFrom != nil {
		t.Errorf("above: %s %q from %v", ev.Status, ev.Reason, ev.PredictedFrom)
	}
}

// A command the check cannot look into is a prediction when the runbook
// says it changes whenever it runs (a literal changed_when = true): the
// run will report it changed. Any other changed_when leaves it
// unpredictable.
func TestCheckChangedWhenTrueIsAPrediction(t *testing.T) {
	w := runWalk(t, `
task "migrate" {
  hosts = ["h1"]
  command {
    argv = ["migrate"]
  }
  changed_when = true
}
task "plain" {
  hosts = ["h1"]
  command {
    argv = ["migrate"]
  }
}
task "computed" {
  hosts = ["h1"]
  command {
    argv = ["migrate"]
  }
  changed_when = self.outputs.rc == 0
}
`, Options{Check: true}, nil)
	if ev := w.status(t, "task.migrate@h1"); ev.Status != event.StatusWouldChange {
		t.Errorf("changed_when = true: %s %q", ev.Status, ev.Reason)
	}
	for _, id := range []string{"task.plain@h1", "task.computed@h1"} {
		if ev := w.status(t, id); ev.Status != event.StatusUnpredictable {
			t.Errorf("%s: %s %q", id, ev.Status, ev.Reason)
		}
	}
	r := runWalk(t, `
task "migrate" {
  hosts = ["h1"]
  command {
    argv = ["migrate"]
  }
  changed_when = true
}
`, Options{}, nil)
	if ev := r.status(t, "task.migrate@h1"); ev.Status != event.StatusChanged {
		t.Errorf("run: %s", ev.Status)
	}
}
