package core

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/addrs"
	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/dag"
	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/engine/module"

	"github.com/runbook-dev/runbook/internal/didyoumean"
)

// taskInfo is what static analysis learned about one task or handler.
type taskInfo struct {
	cfg    *config.Task
	mod    module.Module
	schema *module.Schema
	refs   []*addrs.Reference // every reference in the task, meta-arguments and module body
	// deps are the tasks/handlers this one depends on (references and
	// depends_on), with whether the reference goes through .hosts (all
	// instances needed) rather than this host's instance.
	deps     map[string]depKind
	notifies []string // handler names
	// typeCheck: the references are sound, so analyze type-checks the
	// module body and meta-arguments once every task is known.
	typeCheck bool
	// dynLocals are the locals reading task outputs that the task uses,
	// in the order they are evaluated for each of its instances.
	dynLocals []string
	// bodyUsesValues: the module block refers to a variable or local, so
	// it is checked again when they have values (checkWithValues).
	bodyUsesValues bool
	// constBody: the module block refers to nothing and calls no function,
	// so every instance decodes it to the same arguments (argcache.go).
	constBody bool
}

type depKind struct {
	allHosts  bool
	rng       hcl.Range // the reference (the task.x.hosts one when there is one)
	dependsOn bool      // named in depends_on, not referred to
}

// analysis is the result of checking a runbook before anything runs.
type analysis struct {
	rb    *config.Runbook
	inv   *inventory.Inventory // nil when no inventory was given to validate
	tasks map[string]*taskInfo // by Addr(): task.x / handler.x
	refG  *dag.Graph[string]   // var/local/task/handler reference graph
	// dynLocals are the locals that read task outputs (locals.go);
	// localUses, the locals each local refers to.
	dynLocals map[string]*dynLocal
	localUses map[string][]string
}

// metaExprs lists a task's meta-argument expressions with their names.
func metaExprs(t *config.Task) []struct {
	name string
	expr hcl.Expression
} {
	all := []struct {
		name string
		expr hcl.Expression
	}{
		{"hosts", t.Hosts}, {"when", t.When}, {"for_each", t.ForEach}, {"run_once", t.RunOnce},
		{"delegate_to", t.DelegateTo}, {"retries", t.Retries}, {"delay", t.Delay}, {"until", t.Until},
		{"timeout", t.Timeout}, {"changed_when", t.ChangedWhen}, {"failed_when", t.FailedWhen},
		{"check_mode", t.CheckMode}, {"serial", t.Serial}, {"max_fail_percentage", t.MaxFailPercentage},
		{"any_errors_fatal", t.AnyErrorsFatal}, {"become", t.Become}, {"become_user", t.BecomeUser},
		{"ignore_errors", t.IgnoreErrors}, {"container", t.Container},
		{"read_only", t.ReadOnly}, {"sensitive", t.Sensitive},
	}
	out := all[:0]
	for _, m := range all {
		if m.expr != nil {
			out = append(out, m)
		}
	}
	return out
}

// analyze checks every reference and every module body of rb against reg
// and inv (which may be nil), and builds the reference graph.
func analyze(rb *config.Runbook, inv *inventory.Inventory, reg *module.Registry) (*analysis, hcl.Diagnostics) {
	a := &analysis{rb: rb, inv: inv, tasks: map[string]*taskInfo{}, refG: dag.New[string]()}
	var diags hcl.Diagnostics

	for _, name := range rb.VarOrder {
		a.refG.Add("var." + name)
	}
	for _, l := range rb.LocalList {
		a.refG.Add("local." + l.Name)
	}
	all := append(append([]*config.Task(nil), rb.Tasks...), rb.Handlers...)
	for _, t := range all {
		a.refG.Add(t.Addr())
	}

	// Locals: variables, other locals, runbook facts, and task outputs
	// (locals.go).
	direct := map[string]*localRefs{}
	a.localUses = map[string][]string{}
	for _, l := range rb.LocalList {
		refs, d := addrs.References(l.Expr.Variables())
		diags = append(diags, d...)
		lr := &localRefs{tasks: map[string]depKind{}}
		direct[l.Name] = lr
		for _, r := range refs {
			switch s := r.Subject.(type) {
			case addrs.InputVariable, addrs.LocalValue, addrs.Task:
				d := a.checkExists(r)
				diags = append(diags, d...)
				if d.HasErrors() {
					continue
				}
				a.refG.Connect(s.String(), "local."+l.Name)
				switch s := s.(type) {
				case addrs.LocalValue:
					lr.locals = append(lr.locals, s.Name)
					a.localUses[l.Name] = append(a.localUses[l.Name], s.Name)
				case addrs.Task:
					all := len(r.Remaining) > 0 && isAttr(r.Remaining[0], "hosts")
					mergeDep(lr.tasks, "task."+s.Name, depKind{allHosts: all, rng: r.SourceRange})
				}
			case addrs.RunbookObj:
			default:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid reference in a local value",
					Detail:   fmt.Sprintf("Local values can use variables, other locals, task outputs and functions, not %s: a local is the same for every host and item. Write the expression in the task that needs it.", r.Subject),
					Subject:  r.SourceRange.Ptr(),
				})
			}
		}
	}
	for _, name := range rb.VarOrder {
		v := rb.Variables[name]
		for _, val := range v.Validations {
			for _, e := range []hcl.Expression{val.Condition, val.ErrorMessage} {
				refs, d := addrs.References(e.Variables())
				diags = append(diags, d...)
				for _, r := range refs {
					if iv, ok := r.Subject.(addrs.InputVariable); !ok || iv.Name != name {
						diags = append(diags, &hcl.Diagnostic{
							Severity: hcl.DiagError, Summary: "Invalid reference in variable validation",
							Detail:  fmt.Sprintf("The condition for variable %q can only refer to the variable itself, as var.%s.", name, name),
							Subject: r.SourceRange.Ptr(),
						})
					}
				}
			}
		}
	}

	a.dynLocals = findDynLocals(direct, a.localOrder())
	for _, t := range all {
		ti, d := a.analyzeTask(t, reg)
		diags = append(diags, d...)
		if ti != nil {
			a.tasks[t.Addr()] = ti
		}
	}
	// Type-check module bodies and meta-arguments with every value unknown
	// but typed, so that literal mistakes are found now. This comes after
	// every task is analyzed, so that a reference to a task declared later
	// is checked against its outputs too.
	base := a.validationContext()
	for _, d := range a.typeCheckAll(all, base) {
		diags = append(diags, d...)
	}
	diags = append(diags, a.checkRunbookMeta(base)...)

	for _, cyc := range a.refG.Cycles() {
		// refG edges point from a dependency to its dependent; show the
		// cycle the way it is written: each one refers to the next.
		for i, j := 1, len(cyc)-2; i < j; i, j = i+1, j-1 {
			cyc[i], cyc[j] = cyc[j], cyc[i]
		}
		subj := a.cycleSubject(cyc)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Dependency cycle: " + strings.Join(cyc, " -> "),
			Detail:   "Each of these refers to (or waits for) the next, in a circle, so none of them can start. Break the cycle by removing one of the references or depends_on entries.",
			Subject:  subj.Ptr(),
		})
	}
	return a, uniqueDiags(diags)
}

// cycleSubject points at the reference in cyc[0] that leads to cyc[1]
// (cyc[0] itself when the edge is not written anywhere, as the order a
// block imposes).
func (a *analysis) cycleSubject(cyc []string) hcl.Range {
	from, to := cyc[0], cyc[1]
	if ti := a.tasks[from]; ti != nil {
		if d, ok := ti.deps[to]; ok {
			return d.rng
		}
	}
	if ti := a.tasks[to]; ti != nil && strings.HasPrefix(from, "handler.") {
		for _, tr := range ti.cfg.Notify {
			if r, _ := addrs.ParseTaskOrHandler(tr); r != nil && r.String() == from {
				return tr.SourceRange()
			}
		}
	}
	if name, ok := strings.CutPrefix(from, "local."); ok {
		for _, tr := range a.rb.Locals[name].Expr.Variables() {
			if r, _ := addrs.ParseRef(tr); r != nil && r.Subject.String() == to {
				return r.SourceRange
			}
		}
	}
	return a.rangeOf(from)
}

// blockEdges adds the order blocks impose to the reference graph, as the
// instance graph has it (graph.go): rescue tasks wait for the block's
// tasks, always tasks for both, and a task that depends on a task of
// another block waits for that whole block. Cycles through them are
// then found before anything runs.
func (a *analysis) blockEdges(t *config.Task, ti *taskInfo) {
	if b := t.Block; b != nil {
		if t.Section != config.SectionMain {
			for _, m := range b.Tasks {
				a.refG.Connect(m.Addr(), t.Addr())
			}
		}
		if t.Section == config.SectionAlways {
			for _, m := range b.Rescue {
				a.refG.Connect(m.Addr(), t.Addr())
			}
		}
	}
	for dep := range ti.deps {
		name, ok := strings.CutPrefix(dep, "task.")
		if !ok {
			continue
		}
		if d := a.rb.Task(name); d != nil && d.Block != nil && d.Block != t.Block {
			for _, group := range [][]*config.Task{d.Block.Tasks, d.Block.Rescue, d.Block.Always} {
				for _, m := range group {
					a.refG.Connect(m.Addr(), t.Addr())
				}
			}
		}
	}
}

// uniqueDiags drops repeated diagnostics (the same problem found once per
// task, as in a block's hosts or the runbook's serial), keeping the order.
func uniqueDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		sev             hcl.DiagnosticSeverity
		summary, detail string
		rng             hcl.Range
	}
	seen := map[key]bool{}
	out := diags[:0:0]
	for _, d := range diags {
		k := key{sev: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.rng = *d.Subject
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

func (a *analysis) rangeOf(addr string) hcl.Range {
	kind, name, _ := strings.Cut(addr, ".")
	switch kind {
	case "var":
		return a.rb.Variables[name].DeclRange
	case "local":
		return a.rb.Locals[name].DeclRange
	case "task":
		return a.rb.Task(name).NameRange
	case "handler":
		return a.rb.Handler(name).NameRange
	}
	return hcl.Range{}
}

// checkExists reports a reference to something that is not declared.
func (a *analysis) checkExists(r *addrs.Reference) hcl.Diagnostics {
	missing := func(kind, name string, known []string) hcl.Diagnostics {
		detail := fmt.Sprintf("No %s named %q is declared.", kind, name)
		if s := didyoumean.Suggest(name, known); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Reference to undeclared %s", kind),
			Detail:   detail,
			Subject:  r.SourceRange.Ptr(),
		}}
	}
	switch s := r.Subject.(type) {
	case addrs.InputVariable:
		if _, ok := a.rb.Variables[s.Name]; !ok {
			return missing("input variable", s.Name, a.rb.VarOrder)
		}
	case addrs.LocalValue:
		if _, ok := a.rb.Locals[s.Name]; !ok {
			var names []string
			for _, l := range a.rb.LocalList {
				names = append(names, l.Name)
			}
			return missing("local value", s.Name, names)
		}
	case addrs.Task:
		if a.rb.Task(s.Name) == nil {
			var names []string
			for _, t := range a.rb.Tasks {
				names = append(names, t.Name)
			}
			return missing("task", s.Name, names)
		}
	case addrs.Handler:
		if a.rb.Handler(s.Name) == nil {
			var names []string
			for _, t := range a.rb.Handlers {
				names = append(names, t.Name)
			}
			return missing("handler", s.Name, names)
		}
	case addrs.Group:
		if a.inv != nil {
			if _, ok := a.inv.Group(s.Name); !ok {
				var names []string
				for n := range a.inv.Groups {
					names = append(names, n)
				}
				sort.Strings(names)
				return missing("inventory group", s.Name, names)
			}
		}
	}
	return nil
}

func (a *analysis) analyzeTask(t *config.Task, reg *module.Registry) (*taskInfo, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	mod, ok := reg.Get(t.Module)
	if !ok {
		return nil, nil // reported by config as an unknown module
	}
	schema := mod.Schema()
	ti := &taskInfo{cfg: t, mod: mod, schema: schema, deps: map[string]depKind{}}
	spec := schema.Args

	type place struct {
		name string
		refs []*addrs.Reference
	}
	var places []place
	bodyTraversals := hcldec.Variables(t.Body, spec)
	ti.constBody = len(bodyTraversals) == 0 && !callsFunctions(t.Body)
	refs, d := addrs.References(bodyTraversals)
	diags = append(diags, d...)
	for _, r := range refs {
		switch r.Subject.(type) {
		case addrs.InputVariable, addrs.LocalValue:
			ti.bodyUsesValues = true
		}
	}
	places = append(places, place{"module", refs})
	for _, m := range metaExprs(t) {
		refs, d := addrs.References(m.expr.Variables())
		diags = append(diags, d...)
		places = append(places, place{m.name, refs})
	}

	for _, p := range places {
		for _, r := range p.refs {
			ti.refs = append(ti.refs, r)
			diags = append(diags, a.checkExists(r)...)
			diags = append(diags, checkPlace(t, p.name, r)...)
			switch s := r.Subject.(type) {
			case addrs.LocalValue:
				diags = append(diags, a.useDynLocal(ti, s.Name, p.name, r)...)
			case addrs.Task:
				if a.rb.Task(s.Name) != nil {
					all := len(r.Remaining) > 0 && isAttr(r.Remaining[0], "hosts")
					addDep(ti, "task."+s.Name, all, r.SourceRange)
				}
			case addrs.Handler:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Invalid reference to a handler",
					Detail:  "Handlers have no outputs; use a handler only in notify or depends_on.",
					Subject: r.SourceRange.Ptr(),
				})
			}
		}
	}
	for _, tr := range t.DependsOn {
		subj, d := addrs.ParseTaskOrHandler(tr)
		diags = append(diags, d...)
		if subj == nil {
			continue
		}
		ref := &addrs.Reference{Subject: subj, SourceRange: tr.SourceRange()}
		if d := a.checkExists(ref); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		if _, referred := ti.deps[subj.String()]; !referred {
			ti.deps[subj.String()] = depKind{rng: tr.SourceRange(), dependsOn: true}
		}
	}
	for _, tr := range t.Notify {
		subj, d := addrs.ParseTaskOrHandler(tr)
		diags = append(diags, d...)
		if subj == nil {
			continue
		}
		h, ok := subj.(addrs.Handler)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Only handlers can be notified", Detail: "notify takes handler.NAME references.", Subject: tr.SourceRange().Ptr()})
			continue
		}
		ref := &addrs.Reference{Subject: subj, SourceRange: tr.SourceRange()}
		if d := a.checkExists(ref); d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		ti.notifies = append(ti.notifies, h.Name)
		a.refG.Connect(t.Addr(), "handler."+h.Name)
	}
	for dep := range ti.deps {
		a.refG.Connect(dep, t.Addr())
	}
	a.blockEdges(t, ti)
	for _, r := range ti.refs {
		switch r.Subject.(type) {
		case addrs.InputVariable, addrs.LocalValue:
			if a.refG.Has(r.Subject.String()) {
				a.refG.Connect(r.Subject.String(), t.Addr())
			}
		}
	}
	if t.Block != nil && t.Block.Hosts != nil && t.Hosts == nil {
		refs, d := addrs.References(t.Block.Hosts.Variables())
		diags = append(diags, d...)
		for _, r := range refs {
			diags = append(diags, a.checkExists(r)...)
			diags = append(diags, checkPlace(t, "hosts", r)...)
		}
	}
	ti.typeCheck = !diags.HasErrors()
	return ti, diags
}

// typeCheckAll type-checks every task that passed the reference checks,
// on every CPU for large runbooks (evaluation only reads base), and
// returns each task's diagnostics in the order of tasks.
func (a *analysis) typeCheckAll(tasks []*config.Task, base *hcl.EvalContext) []hcl.Diagnostics {
	out := make([]hcl.Diagnostics, len(tasks))
	check := func(i int) {
		if ti := a.tasks[tasks[i].Addr()]; ti != nil && ti.typeCheck {
			out[i] = a.typeCheck(tasks[i], ti, base)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(tasks)/64)
	if workers < 2 {
		for i := range tasks {
			check(i)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(tasks); i = int(next.Add(1)) - 1 {
				check(i)
			}
		}()
	}
	wg.Wait()
	return out
}

// typeCheck decodes t's module body and evaluates its meta-arguments in
// base (every value a typed unknown) with t's own result as self.
func (a *analysis) typeCheck(t *config.Task, ti *taskInfo, base *hcl.EvalContext) hcl.Diagnostics {
	ctx := base.NewChild()
	ctx.Variables = map[string]cty.Value{"self": cty.UnknownVal(selfType(ti))}
	var diags hcl.Diagnostics
	if args, d := hcldec.Decode(t.Body, ti.schema.Args, ctx); d.HasErrors() {
		diags = append(diags, d...)
	} else {
		diags = append(diags, checkArgs(t, ti.mod, args, a.rb.Dir)...)
	}
	diags = append(diags, checkMetaTypes(t, ctx)...)
	if t.DelegateTo != nil && a.inv != nil && !diags.HasErrors() {
		// A literal host name can be checked now rather than at run time.
		if v, d := t.DelegateTo.Value(ctx); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			sensitive := v.ContainsMarked()
			v, _ = v.UnmarkDeep()
			if name := v.AsString(); !hasHost(a.inv, name) {
				detail := fmt.Sprintf("delegate_to names %q, which is not in the inventory.", name)
				if sensitive {
					detail = "delegate_to names " + Sensitive + ", which is not in the inventory."
				} else if s := didyoumean.Suggest(name, a.inv.HostNames()); s != "" {
					detail += fmt.Sprintf(" Did you mean %q?", s)
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown host in delegate_to", Detail: detail, Subject: t.DelegateTo.Range().Ptr()})
			}
		}
	}
	return diags
}

// checkRunbookMeta checks the references of the runbook block's defaults
// for every task and type-checks them (serial's value is checked where
// hosts are known, in the graph).
func (a *analysis) checkRunbookMeta(ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	rb := a.rb
	for _, m := range []struct {
		name string
		expr hcl.Expression
		ty   cty.Type
	}{
		{"serial", rb.Serial, cty.NilType},
		{"max_fail_percentage", rb.MaxFailPercentage, cty.Number}, {"any_errors_fatal", rb.AnyErrorsFatal, cty.Bool},
		{"become_password", rb.BecomePassword, cty.String},
	} {
		if m.expr == nil {
			continue
		}
		refs, d := addrs.References(m.expr.Variables())
		diags = append(diags, d...)
		bad := d.HasErrors()
		for _, r := range refs {
			switch r.Subject.(type) {
			case addrs.InputVariable, addrs.LocalValue, addrs.Group:
				d := a.checkExists(r)
				diags = append(diags, d...)
				bad = bad || d.HasErrors()
				if l, ok := r.Subject.(addrs.LocalValue); ok && a.dynLocals[l.Name] != nil {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError, Summary: "Invalid reference in the runbook block",
						Detail:  fmt.Sprintf("local.%s uses task outputs, so it is known only once those tasks have run; the runbook block's %s is read before any task runs.", l.Name, m.name),
						Subject: r.SourceRange.Ptr(),
					})
					bad = true
				}
			case addrs.RunbookObj:
			default:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Invalid reference in the runbook block",
					Detail:  fmt.Sprintf("The runbook block's %s is read before any task runs: it can use variables, locals and groups, not %s.", m.name, r.Subject),
					Subject: r.SourceRange.Ptr(),
				})
				bad = true
			}
		}
		if bad {
			continue
		}
		v, d := m.expr.Value(ctx)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		if m.ty != cty.NilType {
			if _, err := convert.Convert(v, m.ty); err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid value for %s", m.name),
					Detail:  fmt.Sprintf("%s must be %s: %s.", m.name, m.ty.FriendlyName(), err),
					Subject: m.expr.Range().Ptr(),
				})
				continue
			}
		}
		if d := checkMetaValue(m.name, m.expr, v); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

func hasHost(inv *inventory.Inventory, name string) bool {
	_, ok := inv.Host(name)
	return ok
}

func addDep(ti *taskInfo, addr string, all bool, rng hcl.Range) {
	prev, ok := ti.deps[addr]
	if !ok {
		ti.deps[addr] = depKind{allHosts: all, rng: rng}
		return
	}
	if all && !prev.allHosts {
		prev.allHosts, prev.rng = true, rng
	}
	prev.dependsOn = false
	ti.deps[addr] = prev
}

func isAttr(step hcl.Traverser, name string) bool {
	a, ok := step.(hcl.TraverseAttr)
	return ok && a.Name == name
}

// checkPlace reports references that cannot be used where they are.
func checkPlace(t *config.Task, where string, r *addrs.Reference) hcl.Diagnostics {
	bad := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid reference in %s", where), Detail: detail, Subject: r.SourceRange.Ptr()}}
	}
	switch r.Subject.(type) {
	case addrs.Each:
		if t.ForEach == nil {
			return bad("each.key and each.value can only be used in a task that sets for_each.")
		}
		if where == "for_each" || where == "hosts" || where == "sensitive" {
			return bad(fmt.Sprintf("each cannot be used in %s.", where))
		}
	case addrs.Self:
		if where != "until" && where != "changed_when" && where != "failed_when" {
			return bad("self (the task's own result) can only be used in until, changed_when and failed_when.")
		}
	case addrs.HostObj:
		if where == "hosts" {
			return bad("hosts selects the hosts, so it cannot depend on the host.")
		}
		if where == "sensitive" {
			return bad("sensitive is the same on every host: it can use variables and locals, not the host.")
		}
	case addrs.Task:
		if where == "sensitive" {
			return bad("sensitive must be known before the run starts: it can use variables and locals, not task outputs.")
		}
		if where == "hosts" {
			return bad("The hosts of a task must be known before the run starts; they can use variables, locals and groups, not task outputs.")
		}
	}
	return nil
}
