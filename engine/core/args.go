package core

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/module"
)

// checkArgs runs a module's declared rules and its Validator on the
// arguments decoded from t's module block, as diagnostics at the
// arguments' source ranges.
func checkArgs(t *config.Task, mod module.Module, args cty.Value, baseDir string) hcl.Diagnostics {
	return module.Diagnose(mod, t.Body, t.ModuleRange, args, baseDir)
}

// checkWithValues checks the module blocks again once variables and
// locals have values (Prepare, or validate given values): the arguments
// that come from them are known now, so their types and the modules'
// rules are checked before any host is touched. Task outputs, host and
// each stay typed unknowns. Only tasks whose module block refers to a
// variable or local are decoded again.
func (a *analysis) checkWithValues(vars, locals map[string]cty.Value) hcl.Diagnostics {
	base := a.validationContext()
	base.Variables["var"] = cty.ObjectVal(vars)
	base.Variables["local"] = cty.ObjectVal(locals)
	var diags hcl.Diagnostics
	all := append(append([]*config.Task(nil), a.rb.Tasks...), a.rb.Handlers...)
	for _, t := range all {
		ti := a.tasks[t.Addr()]
		if ti == nil || !ti.typeCheck || !ti.bodyUsesValues {
			continue
		}
		ctx := base.NewChild()
		ctx.Variables = map[string]cty.Value{"self": cty.UnknownVal(selfType(ti))}
		args, d := hcldec.Decode(t.Body, ti.schema.Args, ctx)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		diags = append(diags, checkArgs(t, ti.mod, args, a.rb.Dir)...)
	}
	return diags
}
