package pkg

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// pkgPlan is what will happen to one package.
type pkgPlan struct {
	spec   pkgSpec
	before string // installed version, "" when not installed
	after  string // version after Apply, "" when removed
	action string // "", "install", "upgrade", "downgrade", "remove", "purge"
}

type plan struct {
	params *params
	pkgs   []*pkgPlan
}

func (p *plan) changes() bool {
	for _, pp := range p.pkgs {
		if pp.action != "" {
			return true
		}
	}
	return false
}

func names(specs []pkgSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.name
	}
	return out
}

// makePlan reads dpkg's and apt's view of the packages and decides; it
// runs only dpkg-query and apt-cache, which change nothing.
func makePlan(ctx context.Context, req *module.Request) (*plan, error) {
	p, err := parse(req.Args)
	if err != nil {
		return nil, err
	}
	host := req.Host.Name
	inst, err := dpkgQuery(ctx, req.Conn, names(p.pkgs))
	if err != nil {
		return nil, fmt.Errorf("on %s: %w", host, err)
	}
	// apt-cache policy is slow (seconds on a big cache): ask it only
	// about packages whose fate depends on apt's candidates.
	var ask []string
	for _, s := range p.pkgs {
		i := inst[baseName(s.name)]
		switch {
		case p.state == "absent":
		case p.state == "present" && s.version == "" && i.ok():
		case s.version != "" && i.ok() && i.version == s.version:
		default:
			ask = append(ask, s.name)
		}
	}
	pols := map[string]*policy{}
	if len(ask) > 0 {
		if pols, err = aptPolicy(ctx, req.Conn, ask); err != nil {
			return nil, fmt.Errorf("on %s: %w", host, err)
		}
	}
	pl := &plan{params: p}
	for _, s := range p.pkgs {
		i := inst[baseName(s.name)]
		pp := &pkgPlan{spec: s}
		if i.ok() {
			pp.before = i.version
		}
		pp.after = pp.before
		if p.state == "absent" {
			switch {
			case i.ok():
				pp.action, pp.after = "remove", ""
				if p.purge {
					pp.action = "purge"
				}
			case p.purge && (i.configOnly() || (i != nil && !i.ok() && i.status[1] != 'n')):
				pp.action = "purge" // config files (or a broken install) remain
			}
			pl.pkgs = append(pl.pkgs, pp)
			continue
		}
		if !slices.Contains(ask, s.name) {
			pl.pkgs = append(pl.pkgs, pp) // installed as asked
			continue
		}
		pol := pols[s.name]
		if pol == nil || (len(pol.versions) == 0 && pol.candidate == "") {
			return nil, module.NotYet(fmt.Errorf("package %s not found in the apt sources of %s (unknown name, or the apt cache needs an update)", s.name, host))
		}
		switch {
		case s.version != "":
			if pp.before == s.version {
				break
			}
			if !slices.Contains(pol.versions, s.version) {
				return nil, fmt.Errorf("package %s has no version %s in the apt sources of %s (available: %s)", s.name, s.version, host, strings.Join(pol.versions, ", "))
			}
			pp.after = s.version
			pp.action = "install"
			if pp.before != "" {
				pp.action = "upgrade" // or downgrade: apt-get is told the exact version
			}
		case p.state == "present" && pp.before != "":
		case pol.candidate == "":
			return nil, fmt.Errorf("package %s has no installation candidate on %s (apt-cache policy %s)", s.name, host, s.name)
		case pp.before == "":
			pp.action, pp.after = "install", pol.candidate
		case p.state == "latest" && pp.before != pol.candidate:
			pp.action, pp.after = "upgrade", pol.candidate
		}
		pl.pkgs = append(pl.pkgs, pp)
	}
	return pl, nil
}

func show(v string) string {
	if v == "" {
		return "absent"
	}
	return v
}

func (p *plan) diff() *module.Diff {
	var d *module.Diff
	for _, pp := range p.pkgs {
		if pp.action == "" {
			continue
		}
		item := module.DiffItem{Name: pp.spec.name, Before: pp.before, After: pp.after, BeforeAbsent: pp.before == "", AfterAbsent: pp.after == ""}
		if pp.action == "purge" && pp.before == "" {
			item.Before, item.BeforeAbsent = "config files", false
		}
		d = d.Add(item)
	}
	return d
}

func (p *plan) reason() string {
	var parts []string
	for _, pp := range p.pkgs {
		if pp.action == "" {
			continue
		}
		switch pp.action {
		case "install":
			parts = append(parts, "install "+pp.spec.name+" "+pp.after)
		case "upgrade":
			parts = append(parts, pp.spec.name+" "+pp.before+" -> "+pp.after)
		default:
			parts = append(parts, pp.action+" "+pp.spec.name)
		}
	}
	if len(parts) == 0 {
		var ns []string
		for _, pp := range p.pkgs {
			ns = append(ns, pp.spec.name+" "+show(pp.before))
		}
		return strings.Join(ns, ", ")
	}
	return strings.Join(parts, ", ")
}

// Plan says which packages apt-get would install, upgrade or remove.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	pl, err := makePlan(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if !pl.changes() {
		return &module.PlanResponse{Action: module.NoOp, Reason: pl.reason(), Outputs: outputs(pl, nil)}
	}
	return &module.PlanResponse{Action: module.Change, Reason: pl.reason(), Diff: pl.diff(), Private: pl}
}

// outputs gives before and after versions ("" when not installed).
func outputs(pl *plan, after map[string]*installed) cty.Value {
	m := map[string]cty.Value{}
	for _, pp := range pl.pkgs {
		a := pp.before
		if after != nil {
			a = ""
			if i := after[baseName(pp.spec.name)]; i.ok() {
				a = i.version
			}
		}
		m[pp.spec.name] = cty.ObjectVal(map[string]cty.Value{"before": cty.StringVal(pp.before), "after": cty.StringVal(a)})
	}
	return cty.ObjectVal(map[string]cty.Value{"packages": cty.MapVal(m)})
}
