// Package command is the command module: it runs a program on a host from
// an argv list, never through a shell, so every element reaches the program
// as one argument whatever characters it holds.
//
// It also owns what the command and shell modules share (Run, CommonArgs,
// Outputs): the creates/removes guards, which are checked through the
// host's transport.Conn when planning, and running with streamed output.
// It does not interpret output: changed_when and failed_when are the
// engine's.
package command

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// Name is the module's block name in a task.
const Name = "command"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module runs a program from an argv list.
type Module struct{}

// New returns the command module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: argv (required) plus the shared chdir, env, stdin, creates and
// removes.
func (*Module) Schema() *module.Schema {
	args := CommonArgs()
	args["argv"] = &hcldec.AttrSpec{Name: "argv", Type: cty.List(cty.String), Required: true}
	return &module.Schema{
		Args:    args,
		Rules:   append(CommonRules(), argvRule),
		Outputs: Outputs,
		Summary: "Run a program from an argv list (no shell), with creates/removes guards",
		Doc:     doc,
		Example: example,
	}
}

var argvRule = module.Custom{
	Summary: "`argv` names at least the program to run; no element is null and the program is not empty.",
	Example: map[string]string{"argv": `[]`},
	CheckArg: func(args cty.Value) []*module.ArgError {
		v := args.GetAttr("argv")
		if v.IsNull() || !v.IsKnown() {
			return nil
		}
		p := cty.GetAttrPath("argv")
		if v.LengthInt() == 0 {
			return []*module.ArgError{{Path: p, Summary: "Empty argv",
				Detail: "argv must name at least the program to run, e.g. argv = [\"systemctl\", \"is-active\", \"mariadb\"]."}}
		}
		var errs []*module.ArgError
		for i, it := 0, v.ElementIterator(); it.Next(); i++ {
			k, ev := it.Element()
			switch {
			case ev.IsKnown() && ev.IsNull():
				errs = append(errs, &module.ArgError{Path: p.Index(k), Summary: "Null argv element",
					Detail: fmt.Sprintf("argv[%d] is null; every element must be a string.", i)})
			case i == 0 && ev.IsKnown() && ev.AsString() == "":
				errs = append(errs, &module.ArgError{Path: p.Index(k), Summary: "Empty program name",
					Detail: "argv[0], the program to run, is an empty string."})
			}
		}
		return errs
	},
}

func (m *Module) run(req *module.Request) *Run {
	r := NewRun(req.Args)
	for it := req.Args.GetAttr("argv").ElementIterator(); it.Next(); {
		_, v := it.Element()
		r.Argv = append(r.Argv, v.AsString())
	}
	r.Sensitive = req.IsSensitive("argv")
	r.Show = ShowArgv(r.Argv)
	if r.Sensitive {
		r.Show = "(sensitive)"
	}
	return r
}

// Plan checks creates and removes on the host; without them the command is
// Unpredictable.
func (m *Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	return m.run(&req.Request).Plan(ctx, req)
}

// Apply runs the command.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	return m.run(&req.Request).Apply(ctx, req)
}

// Converge checks creates and removes and runs the command in one command
// on the host (module.Converger).
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	return m.run(&req.Request).Converge(ctx, req)
}
