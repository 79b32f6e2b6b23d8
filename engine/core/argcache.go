package core

import (
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/lang"
	"github.com/runbook-dev/runbook/engine/module"
)

// decoded is an instance's module arguments: decoded in its scope, their
// marks taken off (plain), the paths that had a mark and those that were
// sensitive, and checked against the module's rules. err is a decoding or
// rule failure.
type decoded struct {
	args, plain       cty.Value
	marked, sensitive []cty.Path
	err               error
}

// constArgs keeps, per task whose module block is constant (it refers to
// nothing and calls no function: taskInfo.constBody), the arguments its
// first instance decoded: every other instance would decode and check
// the same values again.
type constArgs struct {
	mu sync.Mutex
	m  map[*taskInfo]*constEntry
}

type constEntry struct {
	once sync.Once
	d    *decoded
}

// decodeArgs decodes n's module block in sc and checks it (decode), once
// per task when the block is constant.
func (rs *runState) decodeArgs(n *node, sc *hcl.EvalContext) *decoded {
	if !n.info.constBody {
		return rs.decode(n, sc)
	}
	c := &rs.constArgs
	c.mu.Lock()
	e, ok := c.m[n.info]
	if !ok {
		if c.m == nil {
			c.m = map[*taskInfo]*constEntry{}
		}
		e = &constEntry{}
		c.m[n.info] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.d = rs.decode(n, sc) })
	return e.d
}

func (rs *runState) decode(n *node, sc *hcl.EvalContext) *decoded {
	t := n.task
	args, diags := hcldec.Decode(t.Body, n.info.schema.Args, sc)
	if diags.HasErrors() {
		return &decoded{err: diagsError(diags)}
	}
	plain, pvm := args.UnmarkDeepWithPaths()
	d := &decoded{args: args, plain: plain, marked: make([]cty.Path, len(pvm))}
	for i, pm := range pvm {
		d.marked[i] = pm.Path
		if _, ok := pm.Marks[lang.SensitiveMark]; ok {
			d.sensitive = append(d.sensitive, pm.Path)
		}
	}
	// The module's rules again, now on the values of this instance: a
	// module's Plan and Apply only see arguments that pass them.
	if diags := module.DiagnoseUnmarked(n.info.mod, t.Body, t.ModuleRange, plain, d.marked, rs.p.baseDir); diags.HasErrors() {
		return &decoded{err: diagsError(diags)}
	}
	return d
}

// callsFunctions reports whether a body has a function call anywhere in
// it (a function may read a file, so its value is not a constant). A body
// that is not HCL native syntax counts as calling one.
func callsFunctions(b hcl.Body) bool {
	sb, ok := b.(*hclsyntax.Body)
	if !ok {
		return true
	}
	calls := false
	_ = hclsyntax.VisitAll(sb, func(n hclsyntax.Node) hcl.Diagnostics {
		if _, ok := n.(*hclsyntax.FunctionCallExpr); ok {
			calls = true
		}
		return nil
	})
	return calls
}
