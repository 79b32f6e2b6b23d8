package core

import (
	"sort"

	"github.com/runbook-dev/runbook/engine/module"
)

// The planned state of a check (module/view.go): what the instances that
// would change say they would leave on their hosts, as module.Facts, and
// the view through which the plans of the instances that depend on them
// read those facts. The engine stores and orders facts; what they mean is
// the business of the modules that write and read them.

// factRecord is the facts of one instance (or for_each item) that would
// change, in a check.
type factRecord struct {
	node  *node
	name  string // instance name, as Fact.From and predicted_from show it
	seq   int    // when it was recorded: an instance records after those it depends on
	facts []module.Fact
}

// plannedState holds the facts of a check per target: the host (and
// container) the work ran on.
type plannedState struct {
	byTarget map[string][]*factRecord
	seq      int
}

// targetKey names the file system a task instance works on: its host (or
// delegate), and the container inside it when there is one.
func targetKey(o *instanceOptions) string {
	k := o.target.Name
	if o.container != nil {
		k += "\x00" + o.container.Name
	}
	return k
}

// recordFacts keeps what an instance that would change plans to leave on
// its target, for the plans that depend on it.
func (rs *runState) recordFacts(n *node, key, target string, facts []module.Fact) {
	if len(facts) == 0 {
		return
	}
	rec := &factRecord{node: n, name: instanceName(n, key), facts: make([]module.Fact, len(facts))}
	copy(rec.facts, facts)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	ps := &rs.planned
	if ps.byTarget == nil {
		ps.byTarget = map[string][]*factRecord{}
	}
	ps.seq++
	rec.seq = ps.seq
	for i := range rec.facts {
		rec.facts[i].From = rec.name
	}
	ps.byTarget[target] = append(ps.byTarget[target], rec)
}

// instanceName is "task.x@h", or "task.x[key]@h" for a for_each item.
func instanceName(n *node, key string) string {
	name := n.task.Addr()
	if key != "" {
		name += "[" + key + "]"
	}
	return name + "@" + n.host.Name
}

// viewFor returns the view of target that n's plan reads: the facts of
// the instances n depends on. Nil when there are none (a run, or nothing
// before n would change there).
func (rs *runState) viewFor(n *node, target string) *plannedView {
	if !rs.check {
		return nil
	}
	rs.mu.Lock()
	all := append([]*factRecord(nil), rs.planned.byTarget[target]...)
	rs.mu.Unlock()
	if len(all) == 0 {
		return nil
	}
	anc := rs.ancestors(n)
	var recs []*factRecord
	for _, rec := range all {
		if anc[rec.node] {
			recs = append(recs, rec)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	return &plannedView{rs: rs, recs: recs, used: map[string]int{}}
}

// ancestors is every instance (and barrier) n waits for, directly or not.
// The graph does not change during the walk: no lock is needed.
func (rs *runState) ancestors(n *node) map[*node]bool {
	anc := map[*node]bool{}
	stack := []*node{n}
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range rs.p.g.DependsOn(m) {
			if !anc[d] {
				anc[d] = true
				stack = append(stack, d)
			}
		}
	}
	return anc
}

// plannedView is the module.View of one plan. It remembers which
// instances' facts it returned: the plan is then a prediction built on
// them (predicted_from).
type plannedView struct {
	rs   *runState
	recs []*factRecord // of the instances the plan depends on, by seq
	used map[string]int
}

var _ module.View = (*plannedView)(nil)

type factAt struct {
	f     module.Fact
	rec   *factRecord
	index int // in rec.facts
	query int // which key asked for it
}

// Planned implements module.View.
func (v *plannedView) Planned(keys ...string) ([]module.Fact, error) {
	var found []factAt
	for _, rec := range v.recs {
		for i, f := range rec.facts {
			for q, k := range keys {
				if module.FactAnswers(f.Key, k) {
					found = append(found, factAt{f: f, rec: rec, index: i, query: q})
					break
				}
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		if found[i].rec.seq != found[j].rec.seq {
			return found[i].rec.seq < found[j].rec.seq
		}
		return found[i].index < found[j].index
	})
	// Two facts that speak of the same thing (one key above the other, or
	// answers to different keys of one question) must come from instances
	// the graph orders; else the host after both depends on chance.
	anc := map[*node]map[*node]bool{}
	ordered := func(a, b *node) bool {
		for _, n := range []*node{a, b} {
			if anc[n] == nil {
				anc[n] = v.rs.ancestors(n)
			}
		}
		return anc[b][a] || anc[a][b]
	}
	for i := range found {
		for j := i + 1; j < len(found); j++ {
			a, b := found[i], found[j]
			if a.rec.node == b.rec.node {
				continue
			}
			related := a.query != b.query || module.FactKeyAbove(a.f.Key, b.f.Key) || module.FactKeyAbove(b.f.Key, a.f.Key)
			if related && !ordered(a.rec.node, b.rec.node) {
				key := a.f.Key
				if module.FactKeyAbove(b.f.Key, a.f.Key) {
					key = b.f.Key
				}
				return nil, &module.ConflictError{Key: key, First: a.rec.name, Second: b.rec.name}
			}
		}
	}
	out := make([]module.Fact, len(found))
	v.rs.mu.Lock()
	for i, fa := range found {
		out[i] = fa.f
		if _, ok := v.used[fa.rec.name]; !ok {
			v.used[fa.rec.name] = fa.rec.seq
		}
	}
	v.rs.mu.Unlock()
	return out, nil
}

// from lists the instances whose facts the plan read, in the order they
// would apply.
func (v *plannedView) from() []string {
	if v == nil {
		return nil
	}
	v.rs.mu.Lock()
	defer v.rs.mu.Unlock()
	if len(v.used) == 0 {
		return nil
	}
	out := make([]string, 0, len(v.used))
	for name := range v.used {
		out = append(out, name)
	}
	sort.Slice(out, func(i, j int) bool { return v.used[out[i]] < v.used[out[j]] })
	return out
}
