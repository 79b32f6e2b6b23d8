// Package core owns the meaning of a runbook: it validates a loaded runbook
// against the module schemas and the inventory, computes variables and
// locals, expands tasks to one instance per host, builds the instance
// graph, and walks it — planning every instance and applying only where
// the plan says something changes (never in check mode). It reports what
// happens as events and never prints.
//
// It does not parse HCL (engine/config), render output (engine/ui), talk to
// hosts (engine/transport) or do any task's work (modules, through
// engine/module).
package core

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/dag"
	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/engine/module"
)

// Loaded is a runbook and inventory that passed static validation.
type Loaded struct {
	Runbook   *config.Runbook
	Inventory *inventory.Inventory
	Files     map[string]*hcl.File
	reg       *module.Registry
	an        *analysis
}

// LoadOptions say where the runbook and inventory are.
type LoadOptions struct {
	Dir       string   // runbook folder or file
	Inventory []string // inventory paths; none: only the implicit localhost
	Registry  *module.Registry
	Sources   map[string]inventory.Source // dynamic inventory sources
	Context   context.Context             // for dynamic inventory sources
}

// Load decodes and validates a runbook and its inventory. Every problem is
// returned as a diagnostic with its source range; nothing runs.
func Load(opts LoadOptions) (*Loaded, hcl.Diagnostics) {
	loader := config.NewLoader(opts.Registry.Names())
	rb, diags := loader.LoadDir(opts.Dir)
	files := loader.Files()
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	inv, d := inventory.LoadContext(ctx, opts.Sources, opts.Inventory...)
	diags = append(diags, d...)
	if rb == nil || diags.HasErrors() {
		return &Loaded{Files: files}, diags
	}
	var checkInv *inventory.Inventory
	if len(opts.Inventory) > 0 {
		checkInv = inv
	}
	an, d := analyze(rb, checkInv, opts.Registry)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return &Loaded{Files: files}, diags
	}
	return &Loaded{Runbook: rb, Inventory: inv, Files: files, reg: opts.Registry, an: an}, diags
}

// Options are the knobs of one run or check.
type Options struct {
	Check    bool
	Diff     bool
	Forks    int // concurrent task instances; 0 means 50
	Limit    []string
	Tags     []string
	SkipTags []string
	StartAt  string // --start-at-task: tasks declared before this one do not run
	// Unpredictable says what a check's "cannot predict" instances mean
	// for its exit code; "" is UnpredictablePending.
	Unpredictable Unpredictable
	Vars          VarValues
}

// Prepared is a runbook ready to walk: variables known, hosts selected,
// instance graph built.
type Prepared struct {
	l       *Loaded
	opts    Options
	vars    map[string]cty.Value
	locals  map[string]cty.Value
	groups  cty.Value
	g       *dag.Graph[*node]
	nodes   map[string][]*node
	onHost  map[string]map[string]*node
	secrets []string
	// sensitiveTasks are the tasks with sensitive = true (no_log).
	sensitiveTasks map[string]bool
	baseDir        string // the runbook folder, absolute
}

// Prepare computes variables and locals, selects hosts and builds the
// instance graph.
func (l *Loaded) Prepare(opts Options) (*Prepared, hcl.Diagnostics) {
	switch {
	case opts.Forks < 0:
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid number of forks",
			Detail: fmt.Sprintf("Forks is how many task instances run at once: 1 or more, not %d.", opts.Forks)}}
	case opts.Forks == 0:
		opts.Forks = 50
	}
	vars, diags := resolveVariables(l.Runbook, opts.Vars, l.Files)
	diags = append(diags, checkSelection(l.Runbook, opts)...)
	if diags.HasErrors() {
		return nil, diags
	}
	locals, d := evalLocals(l.Runbook, vars, opts.Check, l.an.dynLocals)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	p := &Prepared{l: l, opts: opts, vars: vars, locals: locals, baseDir: l.Runbook.Dir}
	if abs, err := filepath.Abs(l.Runbook.Dir); err == nil {
		p.baseDir = abs
	}
	p.groups = groupsObj(l.Inventory)
	p.secrets = collectSecrets(vars, locals)

	b := &graphBuilder{a: l.an, inv: l.Inventory, tags: opts.Tags, skip: opts.SkipTags, scope: p.staticScope()}
	if opts.StartAt != "" {
		i, _ := startAtIndex(l.Runbook, opts.StartAt)
		b.before = map[*config.Task]bool{}
		for _, t := range l.Runbook.Tasks[:max(i, 0)] {
			b.before[t] = true
		}
	}
	if len(opts.Limit) > 0 {
		hosts, err := l.Inventory.Select(opts.Limit)
		if err != nil {
			return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --limit", Detail: err.Error()})
		}
		b.limit = map[string]bool{}
		for _, h := range hosts {
			b.limit[h.Name] = true
		}
	}
	diags = append(diags, l.an.checkWithValues(vars, locals)...)
	diags = append(diags, b.build()...)
	if diags.HasErrors() {
		return nil, diags
	}
	p.g, p.nodes, p.onHost, p.sensitiveTasks = b.g, b.nodes, b.onHost, b.sensitive
	return p, diags
}

// CheckValues computes variables and locals only, for validating a runbook
// without an inventory: hosts are not selected.
func (l *Loaded) CheckValues(opts Options) hcl.Diagnostics {
	vars, diags := resolveVariables(l.Runbook, opts.Vars, l.Files)
	if diags.HasErrors() {
		return diags
	}
	locals, d := evalLocals(l.Runbook, vars, opts.Check, l.an.dynLocals)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return diags
	}
	return append(diags, l.an.checkWithValues(vars, locals)...)
}

// staticScope is what hosts and serial may refer to.
func (p *Prepared) staticScope() *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var": cty.ObjectVal(p.vars), "local": cty.ObjectVal(p.locals), "group": p.groups,
			"runbook": runbookObj(p.l.Runbook.Dir, cty.BoolVal(p.opts.Check)),
		},
		Functions: functions(p.l.Runbook.Dir),
	}
}

// Instances is the number of task instances in the graph.
func (p *Prepared) Instances() int { return p.g.Len() }

// Hosts returns the names of the hosts some task runs on, sorted.
func (p *Prepared) Hosts() []string {
	seen := map[string]bool{}
	for _, n := range p.g.Vertices() {
		if n.host != nil {
			seen[n.host.Name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

func groupsObj(inv *inventory.Inventory) cty.Value {
	groups := map[string]cty.Value{}
	for name, g := range inv.Groups {
		hosts := make([]cty.Value, 0, len(g.Hosts))
		for _, h := range g.Hosts {
			hosts = append(hosts, cty.StringVal(h))
		}
		hl := cty.ListValEmpty(cty.String)
		if len(hosts) > 0 {
			hl = cty.ListVal(hosts)
		}
		groups[name] = cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(name), "hosts": hl, "vars": cty.ObjectVal(nonNil(g.Vars)),
		})
	}
	return cty.ObjectVal(groups)
}

func nonNil(m map[string]cty.Value) map[string]cty.Value {
	if m == nil {
		return map[string]cty.Value{}
	}
	return m
}

// TaskGraph writes the task-level dependency graph (tasks and handlers,
// not instances) in DOT.
func (l *Loaded) TaskGraph() *dag.Graph[string] {
	g := dag.New[string]()
	for _, v := range l.an.refG.Vertices() {
		if len(v) > 5 && (v[:5] == "task." || (len(v) > 8 && v[:8] == "handler.")) {
			g.Add(v)
		}
	}
	for _, v := range l.an.refG.Vertices() {
		for _, w := range l.an.refG.Dependents(v) {
			if g.Has(v) && g.Has(w) {
				g.Connect(v, w)
			}
		}
	}
	return g
}
