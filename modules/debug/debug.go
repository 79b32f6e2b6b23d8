// Package debug is the debug module, Ansible's debug: it prints a value
// (a message, a variable, an earlier task's outputs) on the task's result
// line and changes nothing, in a run and in check mode alike.
package debug

import (
	"context"
	_ "embed"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/runbook-dev/runbook/engine/module"
)

// Name is the module's block name in a task.
const Name = "debug"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Outputs is the type of the module's outputs: the message as printed.
var Outputs = cty.Object(map[string]cty.Type{"msg": cty.String})

// Module prints a value.
type Module struct{}

// New returns the debug module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: msg, any value (required).
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"msg": &hcldec.AttrSpec{Name: "msg", Type: cty.DynamicPseudoType, Required: true},
		},
		Outputs: Outputs,
		Summary: "Print a value (a message, a variable, a task's outputs) and change nothing",
		Doc:     doc,
		Example: example,
	}
}

// Plan renders msg: a string as it is, any other value as compact JSON.
// The text is the reason of the ok result line, and each of its lines is
// task output too (shown whole with -v). A sensitive msg prints
// "(sensitive)".
func (*Module) Plan(_ context.Context, req *module.PlanRequest) *module.PlanResponse {
	text := Render(req.Args.GetAttr("msg"))
	if req.IsSensitive("msg") {
		text = "(sensitive)"
	}
	if req.Output != nil {
		for _, line := range strings.Split(text, "\n") {
			req.Output("stdout", line)
		}
	}
	return &module.PlanResponse{
		Action:  module.NoOp,
		Reason:  text,
		Outputs: cty.ObjectVal(map[string]cty.Value{"msg": cty.StringVal(text)}),
	}
}

// Apply is never needed: Plan is always a NoOp.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	p := m.Plan(ctx, &module.PlanRequest{Request: req.Request})
	return &module.ApplyResponse{Outputs: p.Outputs}
}

// Render is how debug prints a value: strings as they are, null as
// "null", anything else as compact JSON.
func Render(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	if v.Type() == cty.String {
		return v.AsString()
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}
