package core

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/dag"
	"github.com/runbook-dev/runbook/engine/inventory"
)

// node is one task (or handler) instance on one host: the unit the walk
// schedules. for_each items of a task expand inside the node at run time,
// since their keys may depend on what earlier tasks return.
type node struct {
	barrier  *barrier // set on the join nodes of runbook-level serial batches
	task     *config.Task
	info     *taskInfo
	host     *inventory.Host
	filtered bool    // not selected by --tags: keeps the graph's order, does nothing
	pulled   bool    // filtered, but a selected task reads it: runs as a read only
	notifier []*node // for handler nodes: the task instances that may notify it
	batch    int     // serial batch number
	id       int     // number in the graph (dag AddID), for ConnectID
}

func (n *node) String() string {
	if n.barrier != nil {
		if n.barrier.join != "" {
			return "join of " + n.barrier.join
		}
		return fmt.Sprintf("serial batch %d", n.barrier.batch+1)
	}
	return n.task.Addr() + "@" + n.host.Name
}

// barrier is a node that runs no task: it joins one batch of hosts of a
// runbook-level serial (every instance on the next batch's hosts waits for
// it), or, for a task with any_errors_fatal, the task's instances (of one
// serial batch) that the tasks after it wait for.
type barrier struct {
	batch int      // serial batch; -1 for a join over every batch
	hosts []string // a serial batch's hosts
	join  string   // the any_errors_fatal task a join waits for
}

// graphBuilder expands tasks to nodes.
type graphBuilder struct {
	a     *analysis
	inv   *inventory.Inventory
	limit map[string]bool // nil: no --limit
	// limitedOut is, per task, the hosts --limit took away from it.
	limitedOut map[string][]string
	tags       []string
	skip       []string
	before     map[*config.Task]bool // declared before --start-at-task's task
	scope      *hcl.EvalContext      // var, local, group, runbook: for hosts and serial
	g          *dag.Graph[*node]
	nodes      map[string][]*node          // task addr -> nodes in host order
	onHost     map[string]map[string]*node // task addr -> host -> node
	// selectCache keeps the hosts of each list of patterns: many tasks
	// run on the same group.
	selectCache map[string][]*inventory.Host
	groupFlags  map[string][2]bool // deepFlags of group.NAME
	joins       map[joinKey]*node  // join nodes of any_errors_fatal tasks
	sensitive   map[string]bool    // task addr -> sensitive = true (no_log)
	fatal       map[string]bool    // task addr -> any_errors_fatal
	// hostBatch is each host's batch of a runbook-level serial (absent:
	// not batched, as the control node, or no runbook serial).
	hostBatch map[string]int
}

type joinKey struct {
	addr  string
	batch int
}

const localhost = "localhost"

// hostsOf evaluates a task's hosts expression to inventory hosts.
func (b *graphBuilder) hostsOf(t *config.Task) ([]*inventory.Host, hcl.Diagnostics) {
	expr := t.Hosts
	if expr == nil && t.Block != nil {
		expr = t.Block.Hosts
	}
	if expr == nil {
		return []*inventory.Host{b.inv.Hosts[localhost]}, nil
	}
	if d := b.checkGroups(expr); d.HasErrors() {
		return nil, d
	}
	v, diags := expr.Value(b.scope)
	if diags.HasErrors() {
		return nil, diags
	}
	bad := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid hosts", Detail: detail, Subject: expr.Range().Ptr()}}
	}
	marked, known := b.deepFlags(expr, v)
	if marked {
		return nil, bad("hosts cannot be derived from a sensitive value: host names are shown in every line of output.")
	}
	if !known || v.IsNull() {
		return nil, bad("hosts must be known before the run starts.")
	}
	var patterns []string
	var add func(v cty.Value) error
	add = func(v cty.Value) error {
		ty := v.Type()
		switch {
		case ty == cty.String && !v.IsNull():
			patterns = append(patterns, v.AsString())
		case ty.IsObjectType() && ty.HasAttribute("hosts") && ty.HasAttribute("name") && !v.IsNull() &&
			v.GetAttr("name").Type() == cty.String && !v.GetAttr("name").IsNull():
			patterns = append(patterns, v.GetAttr("name").AsString())
		case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if err := add(e); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("hosts takes a group (group.NAME), a host or group name, or a list of them; this is %s", ty.FriendlyName())
		}
		return nil
	}
	if err := add(v); err != nil {
		return nil, bad(err.Error() + ".")
	}
	if len(patterns) == 0 {
		return nil, nil
	}
	key := strings.Join(patterns, "\x00")
	if hosts, ok := b.selectCache[key]; ok {
		return hosts, nil
	}
	hosts, err := b.inv.Select(patterns)
	if err != nil {
		return nil, bad(err.Error())
	}
	if b.selectCache == nil {
		b.selectCache = map[string][]*inventory.Host{}
	}
	b.selectCache[key] = hosts
	return hosts, nil
}

// deepFlags is v.ContainsMarked() and v.IsWhollyKnown(), which walk all
// of v. hosts = group.NAME has the same value for every task (the group's
// object with all its hosts and vars), so for that expression the answer
// is kept per group.
func (b *graphBuilder) deepFlags(expr hcl.Expression, v cty.Value) (marked, known bool) {
	tr, d := hcl.AbsTraversalForExpr(expr)
	if d.HasErrors() || len(tr) != 2 || tr.RootName() != "group" {
		return v.ContainsMarked(), v.IsWhollyKnown()
	}
	a, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return v.ContainsMarked(), v.IsWhollyKnown()
	}
	if f, ok := b.groupFlags[a.Name]; ok {
		return f[0], f[1]
	}
	marked, known = v.ContainsMarked(), v.IsWhollyKnown()
	if b.groupFlags == nil {
		b.groupFlags = map[string][2]bool{}
	}
	b.groupFlags[a.Name] = [2]bool{marked, known}
	return marked, known
}

// checkGroups reports group.NAME references to groups the inventory does
// not have, saying so when no inventory was given at all (analysis checks
// groups only against an inventory it was given).
func (b *graphBuilder) checkGroups(expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, tr := range expr.Variables() {
		if tr.RootName() != "group" || len(tr) < 2 {
			continue
		}
		a, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, ok := b.inv.Group(a.Name); ok {
			continue
		}
		detail := fmt.Sprintf("The inventory has no group named %q.", a.Name)
		if b.a.inv == nil {
			detail += " No inventory was given, so only the control node (localhost) is known: give one with -i."
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Reference to undeclared inventory group", Detail: detail,
			Subject: hcl.RangeBetween(tr[0].SourceRange(), tr[1].SourceRange()).Ptr(),
		})
	}
	return diags
}

func (b *graphBuilder) selected(t *config.Task) bool {
	has := func(list []string, tag string) bool {
		for _, x := range list {
			if x == tag {
				return true
			}
		}
		return false
	}
	if b.before[t] {
		return false
	}
	for _, s := range b.skip {
		if has(t.Tags, s) {
			return false
		}
	}
	if len(b.tags) == 0 || has(t.Tags, "always") {
		return true
	}
	for _, want := range b.tags {
		if has(t.Tags, want) {
			return true
		}
	}
	return false
}

// build expands every task and handler and wires the edges.
func (b *graphBuilder) build() hcl.Diagnostics {
	var diags hcl.Diagnostics
	b.g = dag.New[*node]()
	b.nodes = map[string][]*node{}
	b.onHost = map[string]map[string]*node{}
	rb := b.a.rb

	// Hosts first, then every node at once: the graph is sized for them.
	type expansion struct {
		t        *config.Task
		ti       *taskInfo
		hosts    []*inventory.Host
		serial   []int
		filtered bool
	}
	var exps []expansion
	total := 0
	all := append(append([]*config.Task(nil), rb.Tasks...), rb.Handlers...)
	for _, t := range all {
		ti := b.a.tasks[t.Addr()]
		if ti == nil {
			continue
		}
		hosts, d := b.hostsOf(t)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		controlNode := t.Hosts == nil && (t.Block == nil || t.Block.Hosts == nil)
		if b.limit != nil && !controlNode {
			kept := hosts[:0:0]
			for _, h := range hosts {
				if b.limit[h.Name] {
					kept = append(kept, h)
				} else {
					if b.limitedOut == nil {
						b.limitedOut = map[string][]string{}
					}
					b.limitedOut[t.Addr()] = append(b.limitedOut[t.Addr()], h.Name)
				}
			}
			hosts = kept
		}
		if len(hosts) > 0 && t.RunOnce != nil {
			v, d := t.RunOnce.Value(b.scope)
			if !d.HasErrors() {
				v, _ = v.Unmark()
				if v.IsKnown() && !v.IsNull() && v.Type() == cty.Bool && v.True() {
					hosts = hosts[:1]
				}
			}
		}
		serial, d := b.serialOf(t, len(hosts))
		diags = append(diags, d...)
		diags = append(diags, b.checkStaticMeta(t)...)
		if on, d := b.isSensitive(t); on {
			if b.sensitive == nil {
				b.sensitive = map[string]bool{}
			}
			b.sensitive[t.Addr()] = true
		} else {
			diags = append(diags, d...)
		}
		filtered := t.Kind == config.KindTask && !b.selected(t)
		exps = append(exps, expansion{t: t, ti: ti, hosts: hosts, serial: serial, filtered: filtered})
		total += len(hosts)
	}
	if rb.MaxFailPercentage != nil {
		if v, d := rb.MaxFailPercentage.Value(b.scope); !d.HasErrors() {
			if d := checkMetaValue("max_fail_percentage", rb.MaxFailPercentage, v); d != nil {
				diags = append(diags, d)
			}
		}
	}
	if diags.HasErrors() {
		return uniqueDiags(diags)
	}
	b.g.Grow(total)
	for _, e := range exps {
		addr, byHost := e.t.Addr(), make(map[string]*node, len(e.hosts))
		b.onHost[addr] = byHost
		slab, ns := make([]node, len(e.hosts)), make([]*node, len(e.hosts))
		for i, h := range e.hosts {
			n := &slab[i]
			*n = node{task: e.t, info: e.ti, host: h, filtered: e.filtered, batch: batchOf(e.serial, i)}
			n.id = b.g.AddID(n)
			ns[i] = n
			byHost[h.Name] = n
		}
		b.nodes[addr] = ns
	}

	batches, d := b.runbookBatches()
	diags = append(diags, d...)
	if d.HasErrors() {
		return uniqueDiags(diags)
	}
	for _, t := range all {
		addr := t.Addr()
		ti := b.a.tasks[addr]
		if ti == nil {
			continue
		}
		// The dependencies once per task, in a stable order (so that the
		// graph, and which failed dependency a skip names, are the same
		// from run to run).
		type dependency struct {
			addr  string
			all   bool
			block *config.Block // another block the dependency is in: wait for all of it
		}
		deps := make([]dependency, 0, len(ti.deps))
		for dep, kind := range ti.deps {
			d := dependency{addr: dep, all: kind.allHosts}
			if depTask := b.taskOf(dep); depTask != nil && depTask.Block != nil && depTask.Block != t.Block {
				d.block = depTask.Block
			}
			deps = append(deps, d)
		}
		sort.Slice(deps, func(i, j int) bool { return deps[i].addr < deps[j].addr })
		for _, n := range b.nodes[addr] {
			for _, d := range deps {
				if join := b.fatalJoin(d.addr, n); join != nil {
					// any_errors_fatal: nothing after the task starts on any
					// host (of the serial batch) before it has finished on
					// every one, as in Ansible. A join over every batch
					// covers all instances; a batch's join does not cover
					// the other batches' instances n may refer to.
					b.g.ConnectID(join.id, n.id)
					if join.barrier.batch < 0 {
						continue
					}
				}
				b.connectTo(d.addr, n, d.all)
				if d.block != nil {
					b.connectBlock(d.block, n, d.all)
				}
			}
			if t.Block != nil {
				switch t.Section {
				case config.SectionRescue:
					for _, m := range t.Block.Tasks {
						b.connectTo(m.Addr(), n, false)
					}
				case config.SectionAlways:
					for _, m := range append(append([]*config.Task(nil), t.Block.Tasks...), t.Block.Rescue...) {
						b.connectTo(m.Addr(), n, false)
					}
				}
			}
		}
		// Serial batches: every instance of batch k+1 waits for batch k.
		ns := b.nodes[t.Addr()]
		for i, n := range ns {
			if n.batch == 0 {
				continue
			}
			for _, prev := range ns[:i] {
				if prev.batch == n.batch-1 {
					b.g.ConnectID(prev.id, n.id)
				}
			}
		}
		for _, h := range ti.notifies {
			for _, hn := range b.nodes["handler."+h] {
				for _, tn := range b.sameHostOrAll(t.Addr(), hn.host.Name) {
					b.g.ConnectID(tn.id, hn.id)
					hn.notifier = append(hn.notifier, tn)
				}
			}
		}
	}
	b.pullReads()
	diags = append(diags, b.checkLimitReads()...)
	b.runbookSerial(batches)
	diags = append(diags, b.checkCycles()...)
	return uniqueDiags(diags)
}

// checkStaticMeta checks the meta-arguments whose values are known once
// variables and locals are (those that refer to no task, host or each),
// as validation checked the literal ones: so that validate with an
// inventory and values reports them before any host is touched.
func (b *graphBuilder) checkStaticMeta(t *config.Task) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range metaExprs(t) {
		switch m.name {
		case "retries", "timeout", "delay", "max_fail_percentage", "for_each":
		default:
			continue
		}
		static := true
		for _, tr := range m.expr.Variables() {
			switch tr.RootName() {
			case "var", "local", "group", "runbook":
			default:
				static = false
			}
		}
		if !static {
			continue
		}
		if v, d := m.expr.Value(b.scope); !d.HasErrors() {
			if d := checkMetaValue(m.name, m.expr, v); d != nil {
				diags = append(diags, d)
			}
		}
	}
	return diags
}

// runbookBatches splits the hosts of the runbook-level serial into
// batches, in inventory order, and records each host's batch.
// Control-node instances are not batched.
func (b *graphBuilder) runbookBatches() ([][]string, hcl.Diagnostics) {
	if b.a.rb.Serial == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	var hosts []string
	for _, ns := range b.nodes {
		for _, n := range ns {
			if h := n.host.Name; h != localhost && !seen[h] {
				seen[h] = true
				hosts = append(hosts, h)
			}
		}
	}
	pos := map[string]int{}
	for i, h := range b.inv.HostNames() {
		pos[h] = i
	}
	sort.SliceStable(hosts, func(i, j int) bool { return pos[hosts[i]] < pos[hosts[j]] })
	sizes, diags := b.batchSizes(b.a.rb.Serial, len(hosts))
	if diags.HasErrors() || len(sizes) == 0 {
		return nil, diags
	}
	var batches [][]string
	b.hostBatch = make(map[string]int, len(hosts))
	for i, h := range hosts {
		k := batchOf(sizes, i)
		if k == len(batches) {
			batches = append(batches, nil)
		}
		batches[k] = append(batches[k], h)
		b.hostBatch[h] = k
	}
	return batches, nil
}

// runbookSerial makes the whole runbook roll over batches of hosts, as
// Ansible's play-level serial: batch k+1 starts only when every instance
// on batch k's hosts is done.
func (b *graphBuilder) runbookSerial(batches [][]string) {
	if len(batches) == 0 {
		return
	}
	byHost := map[string][]*node{}
	for _, n := range b.g.Vertices() {
		if n.barrier == nil {
			byHost[n.host.Name] = append(byHost[n.host.Name], n)
		}
	}
	var prev *node
	for k, hosts := range batches {
		for _, h := range hosts {
			for _, n := range byHost[h] {
				if prev != nil {
					b.g.ConnectID(prev.id, n.id)
				}
			}
		}
		if k == len(batches)-1 {
			break
		}
		bar := &node{barrier: &barrier{batch: k, hosts: hosts}}
		bar.id = b.g.AddID(bar)
		for _, h := range hosts {
			for _, n := range byHost[h] {
				b.g.ConnectID(n.id, bar.id)
			}
		}
		prev = bar
	}
}

// fatalJoin returns the join node that n waits for when it depends on
// the task addr with any_errors_fatal, made on first use; nil for other
// tasks. The join waits for every instance of the task in n's batch of a
// runbook-level serial (as Ansible applies any_errors_fatal per batch), or
// for all of them when there is no such serial or n is not batched. One
// join keeps the edges linear in the number of hosts.
func (b *graphBuilder) fatalJoin(addr string, n *node) *node {
	if b.fatal == nil {
		b.fatal = map[string]bool{}
	}
	fatal, ok := b.fatal[addr]
	if !ok {
		t := b.taskOf(addr)
		fatal = t != nil && b.isFatal(t)
		b.fatal[addr] = fatal
	}
	if !fatal {
		return nil
	}
	batch, batched := b.hostBatch[n.host.Name]
	if !batched {
		batch = -1
	}
	key := joinKey{addr, batch}
	if j, ok := b.joins[key]; ok {
		return j
	}
	j := &node{barrier: &barrier{batch: batch, join: addr}}
	j.id = b.g.AddID(j)
	for _, m := range b.nodes[addr] {
		if k, ok := b.hostBatch[m.host.Name]; batch < 0 || !ok || k == batch {
			b.g.ConnectID(m.id, j.id)
		}
	}
	if b.joins == nil {
		b.joins = map[joinKey]*node{}
	}
	b.joins[key] = j
	return j
}

// isSensitive evaluates a task's sensitive (it must be known before the
// run: every line of the task's output depends on it).
func (b *graphBuilder) isSensitive(t *config.Task) (bool, hcl.Diagnostics) {
	if t.Sensitive == nil {
		return false, nil
	}
	v, diags := t.Sensitive.Value(b.scope)
	if diags.HasErrors() {
		return false, diags
	}
	v, _ = v.UnmarkDeep()
	v, err := convert.Convert(v, cty.Bool)
	if err != nil || !v.IsKnown() || v.IsNull() {
		return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for sensitive",
			Detail: "sensitive must be true or false, known before the run starts.", Subject: t.Sensitive.Range().Ptr()}}
	}
	return v.True(), nil
}

// isFatal evaluates any_errors_fatal of a task (else of the runbook).
func (b *graphBuilder) isFatal(t *config.Task) bool {
	expr := t.AnyErrorsFatal
	if expr == nil {
		expr = b.a.rb.AnyErrorsFatal
	}
	if expr == nil {
		return false
	}
	v, d := expr.Value(b.scope)
	if d.HasErrors() {
		return false
	}
	v, _ = v.UnmarkDeep()
	v, err := convert.Convert(v, cty.Bool)
	return err == nil && v.IsKnown() && !v.IsNull() && v.True()
}

func (b *graphBuilder) taskOf(addr string) *config.Task {
	kind, name, _ := strings.Cut(addr, ".")
	if kind == "task" {
		return b.a.rb.Task(name)
	}
	return nil
}

// checkLimitReads reports, before anything runs, a task that would run
// and reads a task whose every instance --limit took away: its read would
// find nothing (Ansible's --limit never touches hosts outside it, so
// the task cannot be pulled in as --tags pulls in what it reads).
func (b *graphBuilder) checkLimitReads() hcl.Diagnostics {
	if len(b.limitedOut) == 0 {
		return nil
	}
	var diags hcl.Diagnostics
	all := append(append([]*config.Task(nil), b.a.rb.Tasks...), b.a.rb.Handlers...)
	for _, t := range all {
		ns := b.nodes[t.Addr()]
		ti := b.a.tasks[t.Addr()]
		if ti == nil || len(ns) == 0 || (ns[0].filtered && !ns[0].pulled) {
			continue
		}
		deps := make([]string, 0, len(ti.deps))
		for dep, kind := range ti.deps {
			if !kind.dependsOn && len(b.nodes[dep]) == 0 && len(b.limitedOut[dep]) > 0 {
				deps = append(deps, dep)
			}
		}
		sort.Strings(deps)
		for _, dep := range deps {
			out := b.limitedOut[dep]
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("%s reads %s, which --limit leaves out", t.Addr(), dep),
				Detail: fmt.Sprintf("%s runs on %s but reads %s, whose hosts (%s) are all outside --limit: "+
					"it would read nothing. Add one of them to --limit, or select fewer tasks (--tags).",
					t.Addr(), hostList(ns), dep, strings.Join(out, ", ")),
				Subject: ti.deps[dep].rng.Ptr(),
			})
		}
	}
	return diags
}

func hostList(ns []*node) string {
	names := make([]string, len(ns))
	for i, n := range ns {
		names[i] = n.host.Name
	}
	return strings.Join(names, ", ")
}

// sameHostOrAll returns dep's instance on host, or every instance of dep
// when it has none there (it ran once, or on other hosts).
func (b *graphBuilder) sameHostOrAll(dep, host string) []*node {
	if n, ok := b.onHost[dep][host]; ok {
		return []*node{n}
	}
	return b.nodes[dep]
}

func (b *graphBuilder) connectTo(dep string, n *node, allHosts bool) {
	deps := b.nodes[dep]
	if !allHosts {
		deps = b.sameHostOrAll(dep, n.host.Name)
	}
	for _, d := range deps {
		if d != n {
			b.g.ConnectID(d.id, n.id)
		}
	}
}

// connectBlock makes n wait for the whole block (tasks, rescue, always) on
// its host (on every host when the reference goes through task.x.hosts),
// since a task of the block may still be rescued.
func (b *graphBuilder) connectBlock(blk *config.Block, n *node, allHosts bool) {
	for _, group := range [][]*config.Task{blk.Tasks, blk.Rescue, blk.Always} {
		for _, t := range group {
			b.connectTo(t.Addr(), n, allHosts)
		}
	}
}

// serialOf reads serial (task, else runbook): an int, a percentage, or a
// list of them, as Ansible's serial. It returns batch sizes.
func (b *graphBuilder) serialOf(t *config.Task, hosts int) ([]int, hcl.Diagnostics) {
	return b.batchSizes(t.Serial, hosts)
}

// batchSizes evaluates a serial expression for a number of hosts.
func (b *graphBuilder) batchSizes(expr hcl.Expression, hosts int) ([]int, hcl.Diagnostics) {
	if expr == nil {
		return nil, nil
	}
	v, diags := expr.Value(b.scope) // checked even without hosts, so a mistake shows at once
	if diags.HasErrors() {
		return nil, diags
	}
	sizes, err := serialSizes(v, hosts)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid serial", Detail: upperFirst(err.Error()) + ".", Subject: expr.Range().Ptr()}}
	}
	if hosts == 0 {
		return nil, nil
	}
	return sizes, nil
}

// serialSizes reads a serial value (a batch size or a list of them) as
// batch sizes for a number of hosts.
func serialSizes(v cty.Value, hosts int) ([]int, error) {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil, fmt.Errorf("serial must be known before the run starts")
	}
	var items []cty.Value
	if v.Type().IsListType() || v.Type().IsTupleType() {
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			items = append(items, e)
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("serial is an empty list: give at least one batch size")
		}
	} else {
		items = []cty.Value{v}
	}
	sizes := make([]int, 0, len(items))
	for _, it := range items {
		n, err := batchSize(it, hosts)
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// batchOf gives the batch number of the i-th host; the last size repeats.
func batchOf(sizes []int, i int) int {
	if len(sizes) == 0 {
		return 0
	}
	batch, start := 0, 0
	for {
		size := sizes[min(batch, len(sizes)-1)]
		if i < start+size {
			return batch
		}
		start += size
		batch++
	}
}
