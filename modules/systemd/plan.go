package systemd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// unitPlan is what Apply will do to one unit.
type unitPlan struct {
	before *unit
	enable string // "", "enable" or "disable"
	action string // "", "start", "stop", "restart" or "reload"
}

// plan is what Plan learned, handed to Apply as Private.
type plan struct {
	params       *params
	daemonReload bool
	reloadWhy    string
	units        []*unitPlan
}

func (p *plan) changes() bool {
	if p.daemonReload {
		return true
	}
	for _, u := range p.units {
		if u.enable != "" || u.action != "" {
			return true
		}
	}
	return false
}

// makePlan reads the units' state and decides, per unit, what to do. It
// only runs read-only systemctl commands (list-units, list-unit-files,
// show).
func makePlan(ctx context.Context, req *module.Request) (*plan, error) {
	p, err := parse(req.Args)
	if err != nil {
		return nil, err
	}
	host := req.Host.Name
	names, err := expand(ctx, req.Conn, req.View, host, p.patterns)
	if err != nil {
		return nil, err
	}
	units, err := show(ctx, req.Conn, names)
	if err != nil {
		return nil, fmt.Errorf("on %s: %w", host, err)
	}
	// In a check, as the tasks before this one would leave them.
	if units, err = plannedUnits(req.View, units); err != nil {
		return nil, err
	}
	pl, err := decide(p, names, units, host)
	if err != nil {
		return nil, err
	}
	if p.daemonReload && !pl.daemonReload {
		var us []*unit
		for _, up := range pl.units {
			us = append(us, up.before)
		}
		fresh, err := newDropIns(ctx, req.Conn, us)
		if err != nil {
			return nil, fmt.Errorf("on %s: looking for new drop-ins: %w", host, err)
		}
		for _, u := range us {
			for _, d := range u.plannedDropIns {
				if !contains(fresh, d) {
					fresh = append(fresh, d)
				}
			}
		}
		sort.Strings(fresh)
		if len(fresh) > 0 {
			pl.daemonReload, pl.reloadWhy = true, "new drop-in "+strings.Join(fresh, ", ")
		}
	}
	return pl, nil
}

// decide says, per unit, what Apply will do, from the units' state (units[i]
// for names[i]); a daemon-reload only for a unit systemd says changed on
// disk.
func decide(p *params, names []string, units []*unit, host string) (*plan, error) {
	pl := &plan{params: p}
	seen := map[string]bool{}
	for i, u := range units {
		if err := loadable(u, names[i], host, p); err != nil {
			return nil, err
		}
		if seen[u.ID] { // "rb-ok" and "rb-ok.service", or a name a glob matched too
			continue
		}
		seen[u.ID] = true
		if p.daemonReload && u.NeedDaemonReload && !pl.daemonReload {
			pl.daemonReload, pl.reloadWhy = true, u.ID+" changed on disk"
		}
		up := &unitPlan{before: u}
		if p.enabled != nil {
			switch es := u.enabledState(); {
			case *p.enabled && es == "disabled":
				up.enable = "enable"
			case !*p.enabled && es == "enabled":
				up.enable = "disable"
			}
		}
		switch p.state {
		case StateStarted:
			if !u.running() {
				up.action = "start"
			}
		case StateStopped:
			if u.running() {
				up.action = "stop"
			}
		case StateRestarted:
			up.action = "restart"
		case StateReloaded:
			switch {
			case !u.running():
				up.action = "start"
			case !u.CanReload:
				return nil, fmt.Errorf("unit %s on %s cannot reload (it has no ExecReload); use state = \"restarted\"", u.ID, host)
			default:
				up.action = "reload"
			}
		}
		pl.units = append(pl.units, up)
	}
	return pl, nil
}

// loadable fails for a unit systemd does not know or cannot use.
func loadable(u *unit, name, host string, p *params) error {
	switch u.LoadState {
	case "loaded":
		return nil
	case "not-found":
		return module.NotYet(fmt.Errorf("unit %s not found on %s", name, host))
	case "masked":
		if (p.enabled != nil && *p.enabled) || p.state == StateStarted || p.state == StateRestarted || p.state == StateReloaded {
			return fmt.Errorf("unit %s is masked on %s: it cannot be started or enabled (systemctl unmask it first)", u.ID, host)
		}
		return nil
	default:
		return fmt.Errorf("unit %s failed to load on %s (LoadState=%s): see `systemctl status %s`", u.ID, host, u.LoadState, u.ID)
	}
}

// afterState is the ActiveState a planned action leads to.
func afterState(up *unitPlan) string {
	switch up.action {
	case "start", "restart", "reload":
		return "active"
	case "stop":
		return "inactive"
	}
	return up.before.ActiveState
}

// diff renders the plan for the operator.
func (p *plan) diff() *module.Diff {
	var d *module.Diff
	if p.daemonReload {
		d = d.Add(module.DiffItem{Name: "daemon-reload", Before: p.reloadWhy, After: "reloaded"})
	}
	for _, up := range p.units {
		id := up.before.ID
		if up.enable != "" {
			after := "enabled"
			if up.enable == "disable" {
				after = "disabled"
			}
			d = d.Add(module.DiffItem{Name: id + " enabled", Before: up.before.enabledState(), After: after})
		}
		switch up.action {
		case "start", "stop":
			d = d.Add(module.DiffItem{Name: id + " active", Before: up.before.ActiveState, After: afterState(up)})
		case "restart", "reload":
			d = d.Add(module.DiffItem{Name: id + " active", Before: up.before.ActiveState, After: "active (" + up.action + "ed)"})
		}
	}
	return d
}

// reason is one line for the plan: what would be done to how many units.
func (p *plan) reason() string {
	var parts []string
	if p.daemonReload {
		parts = append(parts, "daemon-reload")
	}
	count := map[string][]string{}
	var order []string
	for _, up := range p.units {
		for _, a := range []string{up.enable, up.action} {
			if a == "" {
				continue
			}
			if _, ok := count[a]; !ok {
				order = append(order, a)
			}
			count[a] = append(count[a], up.before.ID)
		}
	}
	for _, a := range order {
		parts = append(parts, a+" "+strings.Join(count[a], ", "))
	}
	if len(parts) == 0 {
		return noChangeReason(p)
	}
	return strings.Join(parts, "; ")
}

func noChangeReason(p *plan) string {
	var ids []string
	for _, up := range p.units {
		ids = append(ids, up.before.ID)
	}
	var what []string
	switch p.params.state {
	case StateStarted:
		what = append(what, "active")
	case StateStopped:
		what = append(what, "inactive")
	}
	if p.params.enabled != nil {
		if *p.params.enabled {
			what = append(what, "enabled")
		} else {
			what = append(what, "not enabled")
		}
	}
	if len(what) == 0 {
		what = append(what, "up to date")
	}
	if len(ids) == 1 {
		return ids[0] + " is " + strings.Join(what, " and ")
	}
	return fmt.Sprintf("%d units are %s", len(ids), strings.Join(what, " and "))
}

// Plan reads the units and says what Apply would change. restarted and
// reloaded always change; started, stopped and enabled only when the unit
// is not yet so.
func (m *Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	pl, err := makePlan(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if !pl.changes() {
		return &module.PlanResponse{Action: module.NoOp, Reason: pl.reason(), Outputs: outputs(pl, nil)}
	}
	return &module.PlanResponse{Action: module.Change, Reason: pl.reason(), Diff: pl.diff(), Private: pl, Planned: pl.facts()}
}

var unitType = cty.Object(map[string]cty.Type{
	"before":                 cty.String,
	"after":                  cty.String,
	"sub_state":              cty.String,
	"enabled":                cty.String,
	"active_enter_timestamp": cty.String,
	"changed":                cty.Bool,
})

var outputsType = cty.Object(map[string]cty.Type{
	"units": cty.Map(unitType),
	"names": cty.List(cty.String),
})

// outputs builds the task outputs from the plan and, after Apply, the
// units' new state (nil: unchanged).
func outputs(pl *plan, after []*unit) cty.Value {
	units := map[string]cty.Value{}
	names := []cty.Value{}
	for i, up := range pl.units {
		a := up.before
		if after != nil {
			a = after[i]
		}
		units[up.before.ID] = cty.ObjectVal(map[string]cty.Value{
			"before":                 cty.StringVal(up.before.ActiveState),
			"after":                  cty.StringVal(a.ActiveState),
			"sub_state":              cty.StringVal(a.SubState),
			"enabled":                cty.StringVal(a.enabledState()),
			"active_enter_timestamp": cty.StringVal(a.ActiveEnter),
			"changed":                cty.BoolVal(after != nil && (up.action != "" || up.enable != "")),
		})
		names = append(names, cty.StringVal(up.before.ID))
	}
	u := cty.MapValEmpty(unitType)
	if len(units) > 0 {
		u = cty.MapVal(units)
	}
	n := cty.ListValEmpty(cty.String)
	if len(names) > 0 {
		n = cty.ListVal(names)
	}
	return cty.ObjectVal(map[string]cty.Value{"units": u, "names": n})
}
