package core

import (
	"context"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// Test-only module stubs for this package's validation, fuzz and benchmark
// tests. engine/ never imports modules/, so these mirror the shapes of the
// real modules (a command-like module with a required list, optional
// string and map arguments and typed outputs; a no-op with an optional
// nested block) without doing any work on a host.

// stubCommandOutputs is the outputs type of the stub command module.
var stubCommandOutputs = cty.Object(map[string]cty.Type{"stdout": cty.String, "rc": cty.Number})

// stubCommand is shaped like modules/command: argv is required.
type stubCommand struct{}

func (stubCommand) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"argv":    &hcldec.AttrSpec{Name: "argv", Type: cty.List(cty.String), Required: true},
			"creates": &hcldec.AttrSpec{Name: "creates", Type: cty.String},
			"chdir":   &hcldec.AttrSpec{Name: "chdir", Type: cty.String},
			"env":     &hcldec.AttrSpec{Name: "env", Type: cty.Map(cty.String)},
			"shell":   &hcldec.AttrSpec{Name: "shell", Type: cty.Bool},
		},
		Outputs: stubCommandOutputs,
		Summary: "test stub shaped like command",
	}
}

func (stubCommand) Plan(_ context.Context, req *module.PlanRequest) *module.PlanResponse {
	return &module.PlanResponse{Action: module.Unpredictable, Reason: "stub command"}
}

func (stubCommand) Apply(_ context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	var argv []string
	if v := req.Args.GetAttr("argv"); !v.IsNull() {
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			argv = append(argv, e.AsString())
		}
	}
	return &module.ApplyResponse{Changed: true, Outputs: cty.ObjectVal(map[string]cty.Value{
		"stdout": cty.StringVal(strings.Join(argv, " ")), "rc": cty.NumberIntVal(0),
	})}
}

// stubNoopOutputs is the outputs type of the stub noop module.
var stubNoopOutputs = cty.Object(map[string]cty.Type{"message": cty.String})

// stubNoop changes nothing. Its optional nested `options` block exercises
// block specs.
type stubNoop struct{}

func (stubNoop) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"message": &hcldec.AttrSpec{Name: "message", Type: cty.String},
			"count":   &hcldec.AttrSpec{Name: "count", Type: cty.Number},
			"options": &hcldec.BlockSpec{TypeName: "options", Nested: hcldec.ObjectSpec{
				"verbose": &hcldec.AttrSpec{Name: "verbose", Type: cty.Bool},
			}},
		},
		Outputs: stubNoopOutputs,
		Summary: "test stub that changes nothing",
	}
}

func (stubNoop) Plan(_ context.Context, req *module.PlanRequest) *module.PlanResponse {
	msg := req.Args.GetAttr("message")
	if msg.IsNull() {
		msg = cty.StringVal("")
	}
	return &module.PlanResponse{Action: module.NoOp, Outputs: cty.ObjectVal(map[string]cty.Value{"message": msg})}
}

func (stubNoop) Apply(_ context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	return &module.ApplyResponse{Outputs: req.Planned.Outputs}
}

// stubRegistry returns a registry with the stub modules under the names
// runbooks use: command and noop.
func stubRegistry() *module.Registry {
	r := module.NewRegistry()
	r.Register("command", stubCommand{})
	r.Register("noop", stubNoop{})
	return r
}
