package systemd

import (
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// State is what a unit should be doing after the task.
type State string

const (
	StateNone      State = ""
	StateStarted   State = "started"
	StateStopped   State = "stopped"
	StateRestarted State = "restarted"
	StateReloaded  State = "reloaded"
)

// params are the decoded, validated arguments.
type params struct {
	patterns     []string // unit names or globs, as written
	state        State
	enabled      *bool
	daemonReload bool
	wait         *waitSpec
}

// waitSpec says how long to wait for a started unit to become active and
// how long it must then stay active.
type waitSpec struct {
	timeout time.Duration
	stable  time.Duration
}

// defaultWaitTimeout is how long wait waits when it gives no timeout.
const defaultWaitTimeout = 60 * time.Second

// parse reads arguments that passed the module's rules (the engine checks
// them before Plan).
func parse(args cty.Value) (*params, error) {
	p := &params{}
	if n := getAttr(args, "name"); !n.IsNull() {
		p.patterns = append(p.patterns, n.AsString())
	}
	if u := getAttr(args, "units"); !u.IsNull() {
		for it := u.ElementIterator(); it.Next(); {
			if _, v := it.Element(); !v.IsNull() {
				p.patterns = append(p.patterns, v.AsString())
			}
		}
	}
	if len(p.patterns) == 0 {
		return nil, fmt.Errorf("name or units is required")
	}
	if s := getAttr(args, "state"); !s.IsNull() {
		p.state = State(s.AsString())
	}
	if e := getAttr(args, "enabled"); !e.IsNull() {
		b := e.True()
		p.enabled = &b
	}
	if d := getAttr(args, "daemon_reload"); !d.IsNull() {
		p.daemonReload = d.True()
	}
	if w := getAttr(args, "wait"); !w.IsNull() {
		p.wait = &waitSpec{timeout: defaultWaitTimeout}
		if t := getAttr(w, "timeout"); !t.IsNull() {
			p.wait.timeout, _ = time.ParseDuration(t.AsString())
		}
		if s := getAttr(w, "stable"); !s.IsNull() {
			p.wait.stable, _ = time.ParseDuration(s.AsString())
		}
	}
	return p, nil
}

// getAttr returns obj.name, or null when obj is null or has no such
// attribute (optional attributes of an object spec).
func getAttr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return obj.GetAttr(name)
}
