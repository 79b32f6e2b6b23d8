// Package assert is the assert module: it fails a task when one of its
// conditions is false, naming each false condition and its message. It
// never touches a host and never changes anything.
//
// Conditions are ordinary HCL expressions, so the engine has already
// evaluated them (with the task's host, outputs of earlier tasks and so on)
// when the module sees them: the module only reads booleans.
package assert

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// Name is the module's block name in a task.
const Name = "assert"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Outputs is the type of the module's outputs.
var Outputs = cty.Object(map[string]cty.Type{
	"msg":     cty.String,
	"checked": cty.Number,
})

// DefaultSuccessMsg is msg when success_msg is not set.
const DefaultSuccessMsg = "All assertions passed"

// Module checks conditions.
type Module struct{}

// New returns the assert module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: conditions (required list of {condition, message}) and
// success_msg.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			// The element type is checked by conditionsRule rather than
			// by a typed list, which would silently drop a misspelt
			// attribute such as "mesage".
			"conditions":  &hcldec.AttrSpec{Name: "conditions", Type: cty.DynamicPseudoType, Required: true},
			"success_msg": &hcldec.AttrSpec{Name: "success_msg", Type: cty.String},
		},
		Rules:   []module.Rule{conditionsRule},
		Outputs: Outputs,
		Summary: "Fail the task unless every condition holds, naming the ones that do not",
		Doc:     doc,
		Example: example,
	}
}

// Plan evaluates the conditions: all true is a NoOp with outputs, a false
// one fails the task with an *Error.
func (m *Module) Plan(_ context.Context, req *module.PlanRequest) *module.PlanResponse {
	conds, err := decode(req.Args.GetAttr("conditions"))
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	var failed []Failed
	for i, c := range conds {
		if c.ok {
			continue
		}
		msg := c.message
		if msg != "" && messageSensitive(&req.Request, i) {
			msg = "(sensitive)"
		}
		failed = append(failed, Failed{Index: i, Message: msg})
	}
	if len(failed) > 0 {
		return &module.PlanResponse{Err: &Error{Failed: failed, Total: len(conds)}}
	}
	msg := DefaultSuccessMsg
	if v := req.Args.GetAttr("success_msg"); !v.IsNull() {
		msg = v.AsString()
		if req.IsSensitive("success_msg") {
			msg = "(sensitive)"
		}
	}
	return &module.PlanResponse{
		Action: module.NoOp,
		Reason: reason(len(conds)),
		Outputs: cty.ObjectVal(map[string]cty.Value{
			"msg":     cty.StringVal(msg),
			"checked": cty.NumberIntVal(int64(len(conds))),
		}),
	}
}

func reason(n int) string {
	if n == 1 {
		return "the condition holds"
	}
	return fmt.Sprintf("all %d conditions hold", n)
}

// Apply is never needed (Plan is always a NoOp or an error); it returns
// what Plan says, so a caller that applies anyway sees the same result.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	p := m.Plan(ctx, &module.PlanRequest{Request: req.Request})
	if p.Err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: p.Err}
	}
	return &module.ApplyResponse{Outputs: p.Outputs}
}

// Failed is one condition that did not hold.
type Failed struct {
	Index   int    // position in conditions, from 0
	Message string // its message; empty when it has none
}

func (f Failed) String() string {
	msg := f.Message
	if msg == "" {
		msg = "condition is false"
	}
	return fmt.Sprintf("conditions[%d]: %s", f.Index, msg)
}

// Error is a failed assertion: which conditions were false, of how many.
type Error struct {
	Failed []Failed
	Total  int
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		parts[i] = f.String()
	}
	if len(e.Failed) == 1 {
		return "assertion failed: " + parts[0]
	}
	return fmt.Sprintf("%d of %d assertions failed: %s", len(e.Failed), e.Total, strings.Join(parts, "; "))
}

// messageSensitive reports whether conditions[i].message derives from a
// sensitive value (or the whole list, or element i, does).
func messageSensitive(req *module.Request, i int) bool {
	want := cty.GetAttrPath("conditions").IndexInt(i).GetAttr("message")
	for _, p := range req.Sensitive {
		if len(p) <= len(want) && pathPrefix(p, want) {
			return true
		}
	}
	return false
}

func pathPrefix(p, of cty.Path) bool {
	for k, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			o, ok := of[k].(cty.GetAttrStep)
			if !ok || o.Name != s.Name {
				return false
			}
		case cty.IndexStep:
			o, ok := of[k].(cty.IndexStep)
			if !ok || !s.Key.Type().Equals(cty.Number) || !s.Key.IsKnown() || !o.Key.Equals(s.Key).True() {
				return false
			}
		default:
			return false
		}
	}
	return true
}
