// Package shell is the shell module: it runs a script with /bin/sh -c (or
// another shell given as executable), for pipelines, redirections and
// variable expansion that the command module deliberately does not do.
//
// Everything else (creates/removes guards planned through the host's
// connection, streamed output, outputs and failure on a non-zero exit) is
// the command module's Run, shared as is.
package shell

import (
	"context"
	_ "embed"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/command"
)

// Name is the module's block name in a task.
const Name = "shell"

// DefaultExecutable runs the script when executable is not set.
const DefaultExecutable = "/bin/sh"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module runs a shell script.
type Module struct{}

// New returns the shell module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: cmd (required), executable, plus the command module's chdir, env,
// stdin, creates and removes.
func (*Module) Schema() *module.Schema {
	args := command.CommonArgs()
	args["cmd"] = &hcldec.AttrSpec{Name: "cmd", Type: cty.String, Required: true}
	args["executable"] = &hcldec.AttrSpec{Name: "executable", Type: cty.String}
	return &module.Schema{
		Args: args,
		Rules: append(command.CommonRules(),
			module.Formatted("cmd", module.NonEmpty),
			module.Formatted("executable", module.NonEmpty),
		),
		Outputs: command.Outputs,
		Summary: "Run a shell script (sh -c, or another shell), with creates/removes guards",
		Doc:     doc,
		Example: example,
	}
}

func (m *Module) run(req *module.Request) *command.Run {
	r := command.NewRun(req.Args)
	exe := DefaultExecutable
	if v := req.Args.GetAttr("executable"); !v.IsNull() {
		exe = v.AsString()
	}
	script := req.Args.GetAttr("cmd").AsString()
	r.Argv = []string{exe, "-c", script}
	r.Sensitive = req.IsSensitive("cmd")
	r.Show = command.ShowScript(script)
	if r.Sensitive {
		r.Show = "(sensitive)"
	}
	return r
}

// Plan checks creates and removes on the host; without them the script is
// Unpredictable.
func (m *Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	return m.run(&req.Request).Plan(ctx, req)
}

// Apply runs the script.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	return m.run(&req.Request).Apply(ctx, req)
}

// Converge checks creates and removes and runs the script in one command
// on the host (module.Converger).
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	return m.run(&req.Request).Converge(ctx, req)
}
