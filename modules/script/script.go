// Package script is the script module: it uploads a script from the
// control node to the task's host, runs it there with arguments, and
// removes the uploaded copy afterwards, whatever happened.
//
// Guards (creates/removes), chdir, env, stdin, outputs and errors are the
// command module's (command.Run); only the upload and the clean-up are
// this module's.
package script

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/command"
	copymod "github.com/runbook-dev/runbook/modules/copy"
)

// Name is the module's block name in a task.
const Name = "script"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module runs a control-node script on the host.
type Module struct{}

// New returns the script module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: src (required), args, executable, plus command's chdir, env,
// stdin, creates and removes.
func (*Module) Schema() *module.Schema {
	args := command.CommonArgs()
	args["src"] = &hcldec.AttrSpec{Name: "src", Type: cty.String, Required: true}
	args["args"] = &hcldec.AttrSpec{Name: "args", Type: cty.List(cty.String)}
	args["executable"] = &hcldec.AttrSpec{Name: "executable", Type: cty.String}
	return &module.Schema{
		Args:    args,
		Outputs: command.Outputs,
		Summary: "Upload a control-node script to the host, run it with arguments (creates/removes guards), then remove it",
		Doc:     doc,
		Example: example,
	}
}

// script is the decoded block.
type script struct {
	src        string
	body       []byte
	args       []string
	executable string
	run        *command.Run
}

func read(req *module.Request) (*script, error) {
	s := &script{src: req.Args.GetAttr("src").AsString(), run: command.NewRun(req.Args)}
	body, err := copymod.ReadLocal(req.LocalPath(s.src))
	if err != nil {
		return nil, err
	}
	s.body = body
	if v := req.Args.GetAttr("args"); !v.IsNull() {
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				return nil, fmt.Errorf("args holds a null")
			}
			s.args = append(s.args, e.AsString())
		}
	}
	if v := req.Args.GetAttr("executable"); !v.IsNull() {
		s.executable = v.AsString()
	}
	show := append([]string{filepath.Base(s.src)}, s.args...)
	if s.executable != "" {
		show = append([]string{s.executable}, show...)
	}
	s.run.Show = "script " + command.ShowArgv(show)
	s.run.Sensitive = req.IsSensitive("args")
	if s.run.Sensitive {
		s.run.Show = "script " + filepath.Base(s.src) + " (sensitive arguments)"
	}
	return s, nil
}

// Plan checks that the script can be read and looks at creates and
// removes; without them the script's effect cannot be predicted.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	s, err := read(&req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	return s.run.Plan(ctx, req)
}

// stageScript makes a fresh private directory, writes stdin into it as
// the script $1 (executable, nothing for others) and prints the directory.
const stageScript = `set -e
d=$(mktemp -d -t runbook-script.XXXXXXXX)
printf '%s\n' "$d"
(umask 077; cat > "$d/$1")
chmod 0700 "$d/$1"`

// Apply uploads the script into a fresh private directory on the host,
// runs it, and removes the directory.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	fail := func(err error) *module.ApplyResponse {
		return &module.ApplyResponse{Outputs: cty.NullVal(command.Outputs), Err: err}
	}
	s, err := read(&req.Request)
	if err != nil {
		return fail(err)
	}
	planned := req.Planned
	if planned == nil {
		planned = s.run.Plan(ctx, &module.PlanRequest{Request: req.Request})
	}
	if planned.Err != nil {
		return fail(planned.Err)
	}
	if planned.Action == module.NoOp {
		return &module.ApplyResponse{Outputs: planned.Outputs}
	}

	// One command makes the private directory and writes the script into
	// it from stdin (two round trips; an SFTP upload took eight more).
	base := filepath.Base(s.src)
	argv := []string{"/bin/sh", "-c", stageScript, "sh", base}
	res, err := req.Conn.Exec(ctx, &transport.Cmd{Argv: argv, Stdin: bytes.NewReader(s.body)})
	if err != nil {
		return fail(fmt.Errorf("uploading %s: %w", s.src, err))
	}
	dir := strings.TrimSpace(string(res.Stdout))
	if dir != "" {
		defer func() {
			_, _ = req.Conn.Exec(context.WithoutCancel(ctx), &transport.Cmd{Argv: []string{"rm", "-rf", "--", dir}})
		}()
	}
	if res.RC != 0 || !path.IsAbs(dir) {
		return fail(&module.CommandError{Argv: []string{"mktemp", "-d"}, RC: res.RC, Stderr: string(res.Stderr), Msg: "putting the script " + s.src + " on the host"})
	}
	remote := path.Join(dir, base)
	s.run.Argv = append([]string{remote}, s.args...)
	if s.executable != "" {
		s.run.Argv = append([]string{s.executable}, s.run.Argv...)
	}
	return s.run.Apply(ctx, &module.ApplyRequest{Request: req.Request, Planned: planned})
}
