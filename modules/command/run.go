package command

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	modargs "github.com/runbook-dev/runbook/modules/internal/args"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Outputs is the outputs type of the command and shell modules.
var Outputs = cty.Object(map[string]cty.Type{
	"stdout": cty.String,
	"stderr": cty.String,
	"rc":     cty.Number,
})

// CommonArgs returns the arguments the command and shell modules share:
// chdir, env, stdin, creates and removes. A module adds its own way of
// saying what to run. CommonRules are their checks.
func CommonArgs() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"chdir":   &hcldec.AttrSpec{Name: "chdir", Type: cty.String},
		"env":     &hcldec.AttrSpec{Name: "env", Type: cty.Map(cty.String)},
		"stdin":   &hcldec.AttrSpec{Name: "stdin", Type: cty.String},
		"creates": &hcldec.AttrSpec{Name: "creates", Type: cty.String},
		"removes": &hcldec.AttrSpec{Name: "removes", Type: cty.String},
	}
}

// CommonRules are the checks of CommonArgs.
func CommonRules() []module.Rule {
	return []module.Rule{envRule}
}

var envRule = module.Custom{
	Summary: "`env` names are non-empty and hold no `=`; its values are not null.",
	Example: map[string]string{"env": `{ "A=B" = "x" }`},
	CheckArg: func(args cty.Value) []*module.ArgError {
		v := args.GetAttr("env")
		if v.IsNull() || !v.IsKnown() {
			return nil
		}
		var errs []*module.ArgError
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			name := k.AsString()
			p := cty.GetAttrPath("env").Index(k)
			if name == "" || strings.ContainsAny(name, "=\x00") {
				errs = append(errs, &module.ArgError{Path: p, Summary: "Invalid environment variable name",
					Detail: fmt.Sprintf("%q cannot be an environment variable name: it must be non-empty and hold no \"=\".", name)})
			}
			if ev.IsKnown() && ev.IsNull() {
				errs = append(errs, &module.ArgError{Path: p, Summary: "Invalid environment variable value",
					Detail: fmt.Sprintf("The value of %s is null; give a string (it may be empty).", name)})
			}
		}
		return errs
	},
}

// Run is one command to run on a host, with the arguments the command and
// shell modules share. It carries the plan and apply logic of both.
type Run struct {
	Argv []string
	// Show is how the command appears in a plan's reason: the argv or the
	// shell script; "(sensitive)" when it derives from a sensitive value.
	Show string
	// Sensitive hides the argv in errors (Show is the module's business).
	Sensitive bool
	Chdir     string
	Env       map[string]string
	Stdin     *string
	Creates   string
	Removes   string
}

// NewRun reads the shared arguments from args (decoded with CommonArgs);
// the caller fills Argv and Show.
func NewRun(args cty.Value) *Run {
	r := &Run{
		Chdir:   modargs.Str(args, "chdir"),
		Creates: modargs.Str(args, "creates"),
		Removes: modargs.Str(args, "removes"),
	}
	if v := args.GetAttr("stdin"); !v.IsNull() {
		s := v.AsString()
		r.Stdin = &s
	}
	if v := args.GetAttr("env"); !v.IsNull() && v.LengthInt() > 0 {
		r.Env = make(map[string]string, v.LengthInt())
		for k, ev := range v.AsValueMap() {
			r.Env[k] = ev.AsString()
		}
	}
	return r
}

// hostPath resolves a creates/removes path: a relative one is relative to
// chdir when there is one, as the command sees it.
func (r *Run) hostPath(p string) string {
	if r.Chdir != "" && !path.IsAbs(p) {
		return path.Join(r.Chdir, p)
	}
	return p
}

// Plan looks at creates and removes through req.Conn. With neither, the
// outcome cannot be known without running the command.
func (r *Run) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	fsys := hostfs.For(&req.Request)
	var planned []module.Fact
	if r.Creates != "" {
		p := r.hostPath(r.Creates)
		ok, err := fsys.Exists(ctx, p)
		if err != nil {
			return &module.PlanResponse{Err: fmt.Errorf("creates: %w", err)}
		}
		if ok {
			return noOp(shownPath(req, "creates", p) + " exists")
		}
		// What the command makes there is its own business: the plans
		// after it know only that something will be there.
		planned = append(planned, fsys.PlanSomething(p))
	}
	if r.Removes != "" {
		p := r.hostPath(r.Removes)
		ok, err := fsys.Exists(ctx, p)
		if err != nil {
			return &module.PlanResponse{Err: fmt.Errorf("removes: %w", err)}
		}
		if !ok {
			return noOp(shownPath(req, "removes", p) + " does not exist")
		}
		planned = append(planned, fsys.PlanAbsent(p))
	}
	action := module.Unpredictable
	if r.Creates != "" || r.Removes != "" {
		action = module.Change
	}
	return &module.PlanResponse{Action: action, Reason: "would run: " + r.Show, Planned: planned}
}

func shownPath(req *module.PlanRequest, attr, p string) string {
	if req.IsSensitive(attr) {
		return "(sensitive)"
	}
	return p
}

func noOp(reason string) *module.PlanResponse {
	return &module.PlanResponse{
		Action:  module.NoOp,
		Reason:  reason,
		Outputs: outputs("", "", 0),
	}
}

// Apply runs the command, streaming its lines to req.Output. A non-zero
// exit status fails the task with a *module.CommandError; the outputs are
// filled either way. Called without a plan, it plans first.
func (r *Run) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	planned := req.Planned
	if planned == nil {
		planned = r.Plan(ctx, &module.PlanRequest{Request: req.Request})
	}
	if planned.Err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: planned.Err}
	}
	if planned.Action == module.NoOp {
		return &module.ApplyResponse{Outputs: planned.Outputs}
	}

	cmd := &transport.Cmd{Argv: r.Argv, Dir: r.Chdir, Env: r.Env}
	if r.Stdin != nil {
		cmd.Stdin = strings.NewReader(*r.Stdin)
	}
	if out := req.Output; out != nil {
		cmd.Stdout = func(line string) { out("stdout", line) }
		cmd.Stderr = func(line string) { out("stderr", line) }
	}
	res, err := req.Conn.Exec(ctx, cmd)
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	resp := &module.ApplyResponse{
		Changed: true,
		Outputs: outputs(string(res.Stdout), string(res.Stderr), res.RC),
	}
	if res.RC != 0 {
		resp.Err = &module.CommandError{Argv: shortArgv(r.Argv, r.Sensitive), RC: res.RC, Stderr: string(res.Stderr)}
	}
	return resp
}

// outputs builds the outputs object. Like Ansible, stdout and stderr lose
// their trailing newlines, so `task.x.outputs.stdout` is a usable value.
func outputs(stdout, stderr string, rc int) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"stdout": cty.StringVal(clean(stdout)),
		"stderr": cty.StringVal(clean(stderr)),
		"rc":     cty.NumberIntVal(int64(rc)),
	})
}

func clean(s string) string {
	return strings.ToValidUTF8(strings.TrimRight(s, "\r\n"), "\uFFFD")
}

// shortArgv keeps a failing command recognizable in messages without
// repeating a long script or a sensitive value.
func shortArgv(argv []string, sensitive bool) []string {
	if sensitive {
		return []string{"(sensitive)"}
	}
	const maxArgs, maxLen = 8, 80
	out := make([]string, 0, min(len(argv), maxArgs+1))
	for i, a := range argv {
		if i == maxArgs {
			out = append(out, fmt.Sprintf("... (%d more)", len(argv)-maxArgs))
			break
		}
		out = append(out, truncate(a, maxLen))
	}
	return out
}

// ShowArgv renders argv for a plan reason, shell-quoted where needed and
// shortened.
func ShowArgv(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = quote(a)
	}
	return truncate(strings.Join(parts, " "), 120)
}

// ShowScript renders a shell script for a plan reason: its first line,
// shortened.
func ShowScript(script string) string {
	s := strings.TrimSpace(script)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return truncate(s[:i], 117) + " ..."
	}
	return truncate(s, 120)
}

func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// convergeScript tests creates ($2) and removes ($3) as a plan does (test
// -e: following links), prints the marker $1 and what it found when the
// command need not run, and otherwise goes to chdir ($4) and runs the
// command (the rest of its arguments) in its place.
const convergeScript = `m=$1 c=$2 r=$3 d=$4
shift 4
if [ -n "$c" ] && [ -e "$c" ]; then printf '%s\n' "$m creates"; exit 0; fi
if [ -n "$r" ] && ! [ -e "$r" ]; then printf '%s\n' "$m removes"; exit 0; fi
if [ -n "$d" ]; then cd -- "$d" || exit; fi
exec "$@"`

// Converge looks at creates and removes and runs the command in one
// command on the host (module.Converger): the host's shell tests the paths
// and runs the command only when the plan would have. Without creates or
// removes it runs the command, as a run does.
func (r *Run) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	if r.Creates == "" && r.Removes == "" {
		a := r.Apply(ctx, &module.ApplyRequest{Request: req.Request,
			Planned: &module.PlanResponse{Action: module.Unpredictable}})
		return &module.ConvergeResponse{Action: module.Change, Changed: a.Changed, Outputs: a.Outputs, Err: a.Err}
	}
	marker := "runbook-converge-" + hostfs.Nonce()
	creates, removes := "", ""
	if r.Creates != "" {
		creates = r.hostPath(r.Creates)
	}
	if r.Removes != "" {
		removes = r.hostPath(r.Removes)
	}
	argv := append([]string{"/bin/sh", "-c", convergeScript, "sh", marker, creates, removes, r.Chdir}, r.Argv...)
	cmd := &transport.Cmd{Argv: argv, Env: r.Env}
	if r.Stdin != nil {
		cmd.Stdin = strings.NewReader(*r.Stdin)
	}
	if out := req.Output; out != nil {
		cmd.Stdout = func(line string) {
			if !strings.HasPrefix(line, marker+" ") {
				out("stdout", line)
			}
		}
		cmd.Stderr = func(line string) { out("stderr", line) }
	}
	res, err := req.Conn.Exec(ctx, cmd)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Outputs: cty.NullVal(Outputs), Err: err}
	}
	preq := &module.PlanRequest{Request: req.Request}
	switch string(res.Stdout) {
	case marker + " creates\n":
		p := noOp(shownPath(preq, "creates", creates) + " exists")
		return &module.ConvergeResponse{Action: module.NoOp, Reason: p.Reason, Outputs: p.Outputs}
	case marker + " removes\n":
		p := noOp(shownPath(preq, "removes", removes) + " does not exist")
		return &module.ConvergeResponse{Action: module.NoOp, Reason: p.Reason, Outputs: p.Outputs}
	}
	resp := &module.ConvergeResponse{
		Action:  module.Change,
		Changed: true,
		Outputs: outputs(string(res.Stdout), string(res.Stderr), res.RC),
	}
	if res.RC != 0 {
		resp.Err = &module.CommandError{Argv: shortArgv(r.Argv, r.Sensitive), RC: res.RC, Stderr: string(res.Stderr)}
	}
	return resp
}
