package core

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/addrs"
	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/dag"
)

// Locals that use task outputs.
//
// A local may refer to task outputs (task.x.outputs..., task.x.hosts...),
// so that a filter over what a task found is written once and used by
// many tasks. Such a local is known only when the tasks it reads have
// run: it is evaluated for each task instance that uses it, in that
// instance's view (task.x.outputs is x's instance on the same host), and
// every task it reads becomes a dependency of the tasks that use it, as if
// they had written its expression themselves. It cannot be used where a
// value is needed before the run starts (hosts, serial, run_once, the
// runbook block), and a local that reads a task which uses the local is a
// dependency cycle like any other.

// dynLocal is a local that reads task outputs, directly or through
// other locals.
type dynLocal struct {
	deps  map[string]depKind // the tasks it reads, transitively
	order int                // position in an order where every local comes after those it uses
}

// staticOnly are the meta-arguments read before the run starts.
var staticOnly = map[string]bool{"hosts": true, "serial": true, "run_once": true, "max_fail_percentage": true, "any_errors_fatal": true}

// localRefs is what analyze records of one local's references.
type localRefs struct {
	tasks  map[string]depKind
	locals []string
}

// findDynLocals works out which locals read task outputs (directly, or
// through another local) and what tasks each reads.
func findDynLocals(direct map[string]*localRefs, order []string) map[string]*dynLocal {
	out := map[string]*dynLocal{}
	for i, name := range order { // dependencies first
		lr := direct[name]
		if lr == nil {
			continue
		}
		deps := map[string]depKind{}
		for t, k := range lr.tasks {
			mergeDep(deps, t, k)
		}
		for _, m := range lr.locals {
			if d := out[m]; d != nil {
				for t, k := range d.deps {
					mergeDep(deps, t, k)
				}
			}
		}
		if len(deps) > 0 {
			out[name] = &dynLocal{deps: deps, order: i}
		}
	}
	return out
}

func mergeDep(deps map[string]depKind, addr string, k depKind) {
	prev, ok := deps[addr]
	if !ok || k.allHosts && !prev.allHosts {
		deps[addr] = k
	}
}

// useDynLocal records that task ti refers to local name (in place where):
// the tasks the local reads become ti's dependencies, and the local (with
// the dynamic locals it uses) is evaluated for each of ti's instances.
func (a *analysis) useDynLocal(ti *taskInfo, name, where string, r *addrs.Reference) hcl.Diagnostics {
	dl := a.dynLocals[name]
	if dl == nil {
		return nil
	}
	if staticOnly[where] {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid reference in %s", where),
			Detail:  fmt.Sprintf("local.%s uses task outputs, so it is known only once those tasks have run; %s must be known before the run starts.", name, where),
			Subject: r.SourceRange.Ptr(),
		}}
	}
	for dep, k := range dl.deps {
		addDep(ti, dep, k.allHosts, r.SourceRange)
	}
	// The local and the dynamic locals it uses, dependencies first.
	seen := map[string]bool{}
	for _, n := range ti.dynLocals {
		seen[n] = true
	}
	var visit func(string)
	visit = func(n string) {
		if seen[n] || a.dynLocals[n] == nil {
			return
		}
		seen[n] = true
		for _, m := range a.localUses[n] {
			visit(m)
		}
		ti.dynLocals = append(ti.dynLocals, n)
	}
	visit(name)
	sort.SliceStable(ti.dynLocals, func(i, j int) bool {
		return a.dynLocals[ti.dynLocals[i]].order < a.dynLocals[ti.dynLocals[j]].order
	})
	return nil
}

// localsOf is `local` for an instance: the locals computed before the
// run, and the ones that read task outputs as this instance sees them.
func (rs *runState) localsOf(n *node) map[string]cty.Value {
	if len(n.info.dynLocals) == 0 {
		return rs.p.locals
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if m, ok := rs.nodeLocals[n]; ok {
		return m
	}
	return rs.p.locals
}

// evalDynLocals computes the locals that read task outputs for n, once,
// before n's instance evaluates anything else.
func (rs *runState) evalDynLocals(n *node) error {
	if len(n.info.dynLocals) == 0 {
		return nil
	}
	locals := make(map[string]cty.Value, len(rs.p.locals))
	for k, v := range rs.p.locals {
		locals[k] = v
	}
	sc := rs.scope(n, nil, cty.NilVal)
	var diags hcl.Diagnostics
	for _, name := range n.info.dynLocals {
		sc.Variables["local"] = cty.ObjectVal(locals)
		v, d := rs.p.l.Runbook.Locals[name].Expr.Value(sc)
		diags = append(diags, d...)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		locals[name] = v
	}
	if diags.HasErrors() {
		return diagsError(diags)
	}
	rs.mu.Lock()
	rs.nodeLocals[n] = locals
	rs.mu.Unlock()
	return nil
}

// localOrder lists the locals so that each comes after the locals it
// uses (declaration order when there is a cycle, which is reported on
// its own).
func (a *analysis) localOrder() []string {
	g := dagOfLocals(a.rb.LocalList, a.localUses)
	order, err := g.TopoOrder()
	if err != nil {
		order = order[:0]
		for _, l := range a.rb.LocalList {
			order = append(order, l.Name)
		}
	}
	return order
}

func dagOfLocals(list []*config.Local, uses map[string][]string) *dag.Graph[string] {
	g := dag.New[string]()
	for _, l := range list {
		g.Add(l.Name)
	}
	for _, l := range list {
		for _, m := range uses[l.Name] {
			if g.Has(m) {
				g.Connect(m, l.Name)
			}
		}
	}
	return g
}
