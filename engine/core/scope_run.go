package core

import (
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/inventory"
)

// hostObj is `host` for an instance.
func hostObj(h *inventory.Host) cty.Value {
	groups := make([]cty.Value, 0, len(h.Groups))
	for _, g := range h.Groups {
		groups = append(groups, cty.StringVal(g))
	}
	gl := cty.ListValEmpty(cty.String)
	if len(groups) > 0 {
		gl = cty.ListVal(groups)
	}
	addr := h.Endpoint.Address
	if addr == "" {
		addr = h.Name
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(h.Name), "address": cty.StringVal(addr), "groups": gl,
		"vars": cty.ObjectVal(nonNil(h.Vars)),
	})
}

// runScope holds the parts of every instance's scope that stay the same
// for the whole run, built once instead of per instance and per
// evaluation (a scope is made several times for each instance): var,
// local (when no local reads a task output), runbook, and host per host.
type runScope struct {
	vars, locals, runbook cty.Value

	mu    sync.Mutex
	hosts map[*inventory.Host]cty.Value
}

func newRunScope(p *Prepared, check bool) *runScope {
	return &runScope{
		vars:    cty.ObjectVal(p.vars),
		locals:  cty.ObjectVal(p.locals),
		runbook: runbookObj(p.l.Runbook.Dir, cty.BoolVal(check)),
		hosts:   map[*inventory.Host]cty.Value{},
	}
}

func (s *runScope) host(h *inventory.Host) cty.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.hosts[h]
	if !ok {
		v = hostObj(h)
		s.hosts[h] = v
	}
	return v
}

// scope builds the evaluation context of one instance: only the tasks it
// refers to are looked up.
func (rs *runState) scope(n *node, each map[string]cty.Value, self cty.Value) *hcl.EvalContext {
	tasks := map[string]cty.Value{}
	for dep, kind := range n.info.deps {
		if len(dep) > 5 && dep[:5] == "task." {
			tasks[dep[5:]] = rs.taskObj(dep, n.host.Name, kind.allHosts)
		}
	}
	locals := rs.static.locals
	if len(n.info.dynLocals) > 0 {
		locals = cty.ObjectVal(rs.localsOf(n))
	}
	vars := map[string]cty.Value{
		"var":     rs.static.vars,
		"local":   locals,
		"group":   rs.p.groups,
		"host":    rs.static.host(n.host),
		"task":    cty.ObjectVal(tasks),
		"runbook": rs.static.runbook,
	}
	if each != nil {
		vars["each"] = cty.ObjectVal(each)
	}
	if self != cty.NilVal {
		vars["self"] = self
	}
	return &hcl.EvalContext{Variables: vars, Functions: functions(rs.p.l.Runbook.Dir)}
}

// taskObj is `task.NAME` as seen from host: its instance there (or its
// only instance), plus every instance by host name.
func (rs *runState) taskObj(addr, host string, withHosts bool) cty.Value {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	nodes := rs.p.nodes[addr]
	task := rs.p.l.an.rb.Task(addr[5:])
	outTy := rs.p.l.an.outputsType(task)
	// inst is an instance's outputs, changed and status.
	inst := func(n *node, status string) map[string]cty.Value {
		r := rs.results[n]
		if n == nil || r == nil {
			return map[string]cty.Value{
				"outputs": cty.NullVal(outTy), "changed": cty.False, "status": cty.StringVal(status),
			}
		}
		out := r.outputs
		if out == cty.NilVal {
			out = cty.NullVal(outTy)
		}
		return map[string]cty.Value{
			"outputs": out, "changed": cty.BoolVal(r.changed), "status": cty.StringVal(string(r.status)),
		}
	}
	var mine map[string]cty.Value
	if n, ok := rs.p.onHost[addr][host]; ok {
		mine = inst(n, "not_run")
	} else if len(nodes) == 1 {
		mine = inst(nodes[0], "not_run")
	} else {
		mine = inst(nil, "not_on_this_host")
	}
	// The per-host object costs O(hosts): built only for a reference that
	// goes through task.x.hosts.
	hosts := cty.EmptyObjectVal
	if withHosts {
		m := make(map[string]cty.Value, len(nodes))
		for _, n := range nodes {
			m[n.host.Name] = cty.ObjectVal(inst(n, "not_run"))
		}
		hosts = cty.ObjectVal(m)
	}
	mine["hosts"] = hosts
	return cty.ObjectVal(mine)
}
