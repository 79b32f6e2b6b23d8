package core

import (
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

// scope builds the evaluation context of one instance: only the tasks it
// refers to are looked up.
func (rs *runState) scope(n *node, each map[string]cty.Value, self cty.Value) *hcl.EvalContext {
	tasks := map[string]cty.Value{}
	for dep, kind := range n.info.deps {
		if len(dep) > 5 && dep[:5] == "task." {
			tasks[dep[5:]] = rs.taskObj(dep, n.host.Name, kind.allHosts)
		}
	}
	vars := map[string]cty.Value{
		"var":     cty.ObjectVal(rs.p.vars),
		"local":   cty.ObjectVal(rs.localsOf(n)),
		"group":   rs.p.groups,
		"host":    hostObj(n.host),
		"task":    cty.ObjectVal(tasks),
		"runbook": runbookObj(rs.p.l.Runbook.Dir, cty.BoolVal(rs.check)),
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
	inst := func(n *node, status string) cty.Value {
		r := rs.results[n]
		if n == nil || r == nil {
			return cty.ObjectVal(map[string]cty.Value{
				"outputs": cty.NullVal(outTy), "changed": cty.False, "status": cty.StringVal(status),
			})
		}
		out := r.outputs
		if out == cty.NilVal {
			out = cty.NullVal(outTy)
		}
		return cty.ObjectVal(map[string]cty.Value{
			"outputs": out, "changed": cty.BoolVal(r.changed), "status": cty.StringVal(string(r.status)),
		})
	}
	var mine cty.Value
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
			m[n.host.Name] = inst(n, "not_run")
		}
		hosts = cty.ObjectVal(m)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"outputs": mine.GetAttr("outputs"), "changed": mine.GetAttr("changed"), "status": mine.GetAttr("status"),
		"hosts": hosts,
	})
}
