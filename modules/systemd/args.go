package systemd

import (
	"fmt"
	"strings"
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

func parse(args cty.Value) (*params, error) {
	p := &params{}
	if n := getAttr(args, "name"); !n.IsNull() {
		p.patterns = append(p.patterns, n.AsString())
	}
	if u := getAttr(args, "units"); !u.IsNull() {
		for it := u.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return nil, fmt.Errorf("units: null element")
			}
			p.patterns = append(p.patterns, v.AsString())
		}
	}
	if len(p.patterns) == 0 {
		return nil, fmt.Errorf("name or units is required: the unit(s) to manage, e.g. units = [\"devstack@tr-*\"]")
	}
	for _, pat := range p.patterns {
		if strings.TrimSpace(pat) == "" {
			return nil, fmt.Errorf("unit name is empty")
		}
		if strings.HasPrefix(pat, "-") {
			return nil, fmt.Errorf("unit name %q starts with '-'", pat)
		}
		if strings.ContainsAny(pat, "\n\x00") {
			return nil, fmt.Errorf("unit name %q holds a newline or NUL", pat)
		}
	}
	if s := getAttr(args, "state"); !s.IsNull() {
		p.state = State(s.AsString())
		switch p.state {
		case StateStarted, StateStopped, StateRestarted, StateReloaded:
		default:
			return nil, fmt.Errorf("state = %q: must be started, stopped, restarted or reloaded", s.AsString())
		}
	}
	if e := getAttr(args, "enabled"); !e.IsNull() {
		b := e.True()
		p.enabled = &b
	}
	if d := getAttr(args, "daemon_reload"); !d.IsNull() {
		p.daemonReload = d.True()
	}
	if w := getAttr(args, "wait"); !w.IsNull() {
		if p.state != StateStarted && p.state != StateRestarted && p.state != StateReloaded {
			return nil, fmt.Errorf("wait needs state = started, restarted or reloaded")
		}
		p.wait = &waitSpec{timeout: 60 * time.Second, stable: 0}
		var err error
		if t := getAttr(w, "timeout"); !t.IsNull() {
			if p.wait.timeout, err = parseDuration("wait.timeout", t.AsString()); err != nil {
				return nil, err
			}
		}
		if s := getAttr(w, "stable"); !s.IsNull() {
			if p.wait.stable, err = parseDuration("wait.stable", s.AsString()); err != nil {
				return nil, err
			}
		}
		if p.wait.stable >= p.wait.timeout {
			return nil, fmt.Errorf("wait.stable (%s) must be shorter than wait.timeout (%s)", p.wait.stable, p.wait.timeout)
		}
	}
	if p.state == StateNone && p.enabled == nil && !p.daemonReload {
		return nil, fmt.Errorf("nothing to do: set state, enabled or daemon_reload")
	}
	return p, nil
}

func parseDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s = %q: not a duration (e.g. \"30s\", \"2m\")", name, s)
	}
	return d, nil
}

// getAttr returns obj.name, or null when obj is null or has no such
// attribute (optional attributes of an object spec).
func getAttr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return obj.GetAttr(name)
}
