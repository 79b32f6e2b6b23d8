package core

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/lang"
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
		if v.Sensitive {
			vars[name] = vars[name].Mark(lang.SensitiveMark)
		}
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
	"sensitive": cty.Bool,
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
				continue
			}
		}
		if d := checkMetaValue(m.name, m.expr, v); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

// checkMetaValue checks what can be known of a meta-argument's value
// beyond its type: ranges of numbers and durations, the shape of serial,
// for_each's element types and that it is not sensitive. Unknown values
// pass; the run checks them again when it reads them.
func checkMetaValue(name string, expr hcl.Expression, v cty.Value) *hcl.Diagnostic {
	if name == "for_each" {
		return forEachCheck(expr, v)
	}
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil
	}
	var err error
	switch name {
	case "retries":
		_, err = wholeNumber(v, 0, maxRetries)
	case "max_fail_percentage":
		_, err = percentage(v)
	case "timeout":
		var d time.Duration
		if d, err = durationOf(v); err == nil && d == 0 {
			err = fmt.Errorf("a timeout must be more than 0")
		}
	case "delay":
		_, err = durationOf(v)
	case "serial":
		_, err = serialSizes(v, 1)
	case "container":
		_, err = containerSpec(v)
	}
	if err == nil {
		return nil
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid value for %s", name),
		Detail: upperFirst(err.Error()) + ".", Subject: expr.Range().Ptr()}
}

// forEachCheck checks a for_each value, known or only typed: a map or
// object, or a list, set or tuple of strings, and never sensitive, since
// the instance keys are shown everywhere.
func forEachCheck(expr hcl.Expression, v cty.Value) *hcl.Diagnostic {
	if v.HasMark(lang.SensitiveMark) {
		return forEachSensitive(expr)
	}
	ty := v.Type()
	switch {
	case ty == cty.DynamicPseudoType || ty.IsMapType() || ty.IsObjectType():
		return nil
	case ty.IsListType() || ty.IsSetType():
		if !stringLike(ty.ElementType()) {
			return forEachTypeError(expr, ty)
		}
	case ty.IsTupleType():
		for _, et := range ty.TupleElementTypes() {
			if !stringLike(et) {
				return forEachTypeError(expr, ty)
			}
		}
	default:
		if v.IsNull() || !v.IsKnown() {
			return nil
		}
		return forEachTypeError(expr, ty)
	}
	if v.IsKnown() && !v.IsNull() && v.ContainsMarked() {
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); e.ContainsMarked() {
				return forEachSensitive(expr)
			}
		}
	}
	return nil
}

// stringLike reports whether values of ty can be for_each keys.
func stringLike(ty cty.Type) bool {
	if ty == cty.DynamicPseudoType || ty == cty.String {
		return true
	}
	return ty.IsPrimitiveType() && convert.GetConversion(ty, cty.String) != nil
}

func forEachSensitive(expr hcl.Expression) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Invalid for_each argument",
		Detail:  "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments: the instance keys would show them in every line of output. Use a map whose keys are not sensitive, such as { for name, secret in var.secrets : name => secret } over a map that is not itself sensitive.",
		Subject: expr.Range().Ptr(),
	}
}

func forEachTypeError(expr hcl.Expression, ty cty.Type) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Invalid for_each argument",
		Detail:  fmt.Sprintf("for_each takes a map, an object, or a set or list of strings; this is %s.", ty.FriendlyName()),
		Subject: expr.Range().Ptr(),
	}
}
