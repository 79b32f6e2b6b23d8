package core

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/config"
)

// hostObjType is the type of `host` in expressions.
var hostObjType = cty.Object(map[string]cty.Type{
	"name":    cty.String,
	"address": cty.String,
	"groups":  cty.List(cty.String),
	"vars":    cty.DynamicPseudoType,
})

// groupObjType is the type of `group.NAME` in expressions.
var groupObjType = cty.Object(map[string]cty.Type{
	"name":  cty.String,
	"hosts": cty.List(cty.String),
	"vars":  cty.DynamicPseudoType,
})

// taskObjType is the type of `task.NAME` with outputs of type out.
func taskObjType(out cty.Type) cty.Type {
	inst := cty.Object(map[string]cty.Type{"outputs": out, "changed": cty.Bool, "status": cty.String})
	return cty.Object(map[string]cty.Type{
		"outputs": out, "changed": cty.Bool, "status": cty.String, "hosts": cty.Map(inst),
	})
}

// outputsType is the type of task.x.outputs: the module's outputs, or an
// object keyed by each.key when the task uses for_each.
func (a *analysis) outputsType(t *config.Task) cty.Type {
	ti := a.tasks[t.Addr()]
	if ti == nil || t.ForEach != nil {
		return cty.DynamicPseudoType
	}
	if ty := ti.schema.Outputs; ty != cty.NilType {
		return ty
	}
	return cty.DynamicPseudoType
}

// validationContext has every value a task may refer to as a typed
// unknown, for checking expressions before anything runs; typeCheck adds
// self, which differs per task.
func (a *analysis) validationContext() *hcl.EvalContext {
	vars := map[string]cty.Value{}
	for name, v := range a.rb.Variables {
		vars[name] = cty.UnknownVal(v.Type)
	}
	locals := map[string]cty.Value{}
	for name := range a.rb.Locals {
		locals[name] = cty.DynamicVal
	}
	tasks := map[string]cty.Value{}
	for _, other := range a.rb.Tasks {
		if ti := a.tasks[other.Addr()]; ti != nil {
			tasks[other.Name] = cty.UnknownVal(taskObjType(a.outputsType(other)))
		} else {
			tasks[other.Name] = cty.DynamicVal
		}
	}
	var group cty.Value = cty.DynamicVal
	if a.inv != nil {
		groups := map[string]cty.Value{}
		for name := range a.inv.Groups {
			groups[name] = cty.UnknownVal(groupObjType)
		}
		group = cty.ObjectVal(groups)
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":     cty.ObjectVal(vars),
			"local":   cty.ObjectVal(locals),
			"task":    cty.ObjectVal(tasks),
			"group":   group,
			"host":    cty.UnknownVal(hostObjType),
			"each":    cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal}),
			"runbook": runbookObj(a.rb.Dir, cty.UnknownVal(cty.Bool)),
		},
		Functions: functions(a.rb.Dir),
	}
}

// selfType is the type of self in a task's until, changed_when and
// failed_when: its own result.
func selfType(ti *taskInfo) cty.Type {
	out := cty.DynamicPseudoType
	if ti.schema.Outputs != cty.NilType {
		out = ti.schema.Outputs
	}
	return cty.Object(map[string]cty.Type{"outputs": out, "changed": cty.Bool, "failed": cty.Bool})
}

func runbookObj(dir string, check cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"dir": cty.StringVal(dir), "check_mode": check})
}

// metaTypes says what type each meta-argument must have. hosts, for_each,
// serial, timeout and delay are checked where they are used.
var metaTypes = map[string]cty.Type{
	"when": cty.Bool, "run_once": cty.Bool, "retries": cty.Number, "until": cty.Bool,
	"changed_when": cty.Bool, "failed_when": cty.Bool, "check_mode": cty.Bool,
	"max_fail_percentage": cty.Number, "any_errors_fatal": cty.Bool, "become": cty.Bool,
	"become_user": cty.String, "ignore_errors": cty.Bool, "delegate_to": cty.String, "read_only": cty.Bool,
}

func checkMetaTypes(t *config.Task, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range metaExprs(t) {
		v, d := m.expr.Value(ctx)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		if ty, ok := metaTypes[m.name]; ok {
			if _, err := convert.Convert(v, ty); err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid value for %s", m.name),
					Detail:  fmt.Sprintf("%s must be %s: %s.", m.name, ty.FriendlyName(), err),
					Subject: m.expr.Range().Ptr(),
				})
			}
			continue
		}
		switch m.name {
		case "timeout", "delay":
			if v.IsKnown() && !v.IsNull() {
				if _, err := durationOf(v); err != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid value for %s", m.name), Detail: err.Error(), Subject: m.expr.Range().Ptr()})
				}
			}
		case "container":
			if v.IsWhollyKnown() {
				if _, err := containerSpec(v); err != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for container", Detail: err.Error() + ".", Subject: m.expr.Range().Ptr()})
				}
			}
		case "for_each":
			if v.IsKnown() && !v.IsNull() {
				ty := v.Type()
				if !(ty.IsMapType() || ty.IsObjectType() || ty.IsSetType() || ty.IsListType() || ty.IsTupleType()) {
					diags = append(diags, forEachTypeError(m.expr, ty))
				}
			}
		}
	}
	return diags
}

func forEachTypeError(expr hcl.Expression, ty cty.Type) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Invalid for_each argument",
		Detail:  fmt.Sprintf("for_each takes a map, an object, or a set or list of strings; this is %s.", ty.FriendlyName()),
		Subject: expr.Range().Ptr(),
	}
}

// durationOf reads "90s", "20m", "1h30m" or a number of seconds.
func durationOf(v cty.Value) (time.Duration, error) {
	v, _ = v.Unmark()
	switch v.Type() {
	case cty.Number:
		f, _ := v.AsBigFloat().Float64()
		if f < 0 {
			return 0, fmt.Errorf("a duration cannot be negative")
		}
		return time.Duration(f * float64(time.Second)), nil
	case cty.String:
		d, err := time.ParseDuration(v.AsString())
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration like \"90s\", \"20m\" or \"1h30m\"", v.AsString())
		}
		if d < 0 {
			return 0, fmt.Errorf("a duration cannot be negative")
		}
		return d, nil
	}
	return 0, fmt.Errorf("a duration is a string like \"20m\" or a number of seconds, not %s", v.Type().FriendlyName())
}
