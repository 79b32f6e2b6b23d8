// Package template is the template module: it renders a file from an HCL
// template (the syntax of templatefile(): ${var}, %{ for }, %{ if }) with
// the task's variables, and puts the result on the host with the copy
// module's semantics (atomic replace, owner/group/mode, backup, diff).
//
// Rendering happens on the control node, in the plan, so check mode shows
// the diff of exactly what a run would write.
package template

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/lang"
	"github.com/runbook-dev/runbook/engine/module"
	copymod "github.com/runbook-dev/runbook/modules/copy"
)

// Name is the module's block name in a task.
const Name = "template"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module renders templates onto hosts.
type Module struct{}

// New returns the template module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: src or template, vars, plus copy's destination arguments.
func (*Module) Schema() *module.Schema {
	args := copymod.TargetArgs()
	args["src"] = &hcldec.AttrSpec{Name: "src", Type: cty.String}
	args["template"] = &hcldec.AttrSpec{Name: "template", Type: cty.String}
	args["vars"] = &hcldec.AttrSpec{Name: "vars", Type: cty.DynamicPseudoType}
	return &module.Schema{
		Args:    args,
		Rules:   append(copymod.TargetRules(), module.ExactlyOneOf("src", "template"), varsRule{}),
		Outputs: copymod.Outputs,
		Summary: "Render an HCL template (templatefile() syntax) with variables into a host file, with copy's atomic replace and diff",
		Doc:     doc,
		Example: example,
	}
}

// Render renders the template text (named name in messages) with vars;
// file paths in functions such as file() are relative to baseDir.
func Render(name string, text []byte, vars cty.Value, baseDir string) ([]byte, error) {
	v, diags := evaluate(name, text, vars, baseDir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("rendering %s: %s", name, diagLine(diags))
	}
	v, _ = v.UnmarkDeep()
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return nil, fmt.Errorf("rendering %s: the result is %s, not text", name, v.Type().FriendlyName())
	}
	return []byte(s.AsString()), nil
}

// evaluate parses and evaluates a template with vars, which may hold
// unknown values (validation at load time): then only the parse, the
// names the template uses and its function calls are checked.
func evaluate(name string, text []byte, vars cty.Value, baseDir string) (cty.Value, hcl.Diagnostics) {
	expr, diags := hclsyntax.ParseTemplate(text, name, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: lang.Functions(baseDir)}
	delete(ctx.Functions, "templatefile")
	if err := checkVars(vars); err != nil {
		return cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for vars", Detail: err.Error() + "."}}
	}
	if !vars.IsNull() && vars.IsKnown() {
		for it := vars.ElementIterator(); it.Next(); {
			k, v := it.Element()
			ctx.Variables[k.AsString()] = v
		}
	}
	var undefined hcl.Diagnostics
	for _, tr := range expr.Variables() {
		if _, ok := ctx.Variables[tr.RootName()]; !ok {
			undefined = append(undefined, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undefined name in the template",
				Detail:  fmt.Sprintf("%q is not one of the vars given to the template (%s).", tr.RootName(), varNames(ctx.Variables)),
				Subject: tr.SourceRange().Ptr()})
		}
	}
	if len(undefined) > 0 {
		return cty.NilVal, undefined
	}
	return expr.Value(ctx)
}

func varNames(vars map[string]cty.Value) string {
	if len(vars) == 0 {
		return "there are none"
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return "there are " + strings.Join(names, ", ")
}

// diagLine is diags on one line, each "name line L: summary: detail".
func diagLine(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Detail != "" {
			s += ": " + strings.TrimSuffix(d.Detail, ".")
		}
		if d.Subject != nil {
			s = fmt.Sprintf("%s line %d: %s", d.Subject.Filename, d.Subject.Start.Line, s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// varsRule: vars is an object (or map) whose names a template can use.
type varsRule struct{}

func (varsRule) Check(args cty.Value) []*module.ArgError {
	if err := checkVars(args.GetAttr("vars")); err != nil {
		return []*module.ArgError{{Path: cty.GetAttrPath("vars"), Summary: "Invalid value for vars", Detail: err.Error() + "."}}
	}
	return nil
}

// checkVars: vars is null, or an object or map whose names a template can
// use (as far as they are known).
func checkVars(vars cty.Value) error {
	ty := vars.Type()
	if vars.IsNull() || ty == cty.DynamicPseudoType {
		return nil
	}
	if !ty.IsObjectType() && !ty.IsMapType() {
		return fmt.Errorf("vars must be an object such as { port = 8779 }, not %s", ty.FriendlyName())
	}
	if !vars.IsKnown() {
		return nil
	}
	for it := vars.ElementIterator(); it.Next(); {
		if k, _ := it.Element(); !hclsyntax.ValidIdentifier(k.AsString()) {
			return fmt.Errorf("%q is not a name a template can use", k.AsString())
		}
	}
	return nil
}

func (varsRule) Doc() string {
	return "`vars` is an object whose names are identifiers, such as `{ port = 8779 }`."
}

func (varsRule) Broken(func(string) string) map[string]string {
	return map[string]string{"vars": `["not", "an", "object"]`}
}

// Validate parses the template (its text, or the file src names) and
// evaluates it with vars, values not known yet left unknown: a syntax
// error, a name that is not in vars or a call to an unknown function is
// found before anything runs.
func (m *Module) Validate(req *module.ValidateRequest) []*module.ArgError {
	if errs := (varsRule{}).Check(req.Args); len(errs) > 0 {
		return errs
	}
	src, text, vars := req.Args.GetAttr("src"), req.Args.GetAttr("template"), req.Args.GetAttr("vars")
	var (
		body    []byte
		name    string
		path    cty.Path
		baseDir = req.BaseDir
	)
	switch {
	case text.IsKnown() && !text.IsNull():
		name, body, path = "template", []byte(text.AsString()), cty.GetAttrPath("template")
	case src.IsKnown() && !src.IsNull():
		r := module.Request{BaseDir: req.BaseDir}
		local := r.LocalPath(src.AsString())
		b, err := copymod.ReadLocal(local)
		if err != nil {
			return []*module.ArgError{{Path: cty.GetAttrPath("src"), Summary: "Cannot read the template", Detail: err.Error() + "."}}
		}
		name, body, path, baseDir = src.AsString(), b, cty.GetAttrPath("src"), filepath.Dir(local)
	default:
		return nil
	}
	if vars.Type() == cty.DynamicPseudoType && !vars.IsNull() {
		return nil // which names vars has is not known yet
	}
	if _, diags := evaluate(name, body, vars, baseDir); diags.HasErrors() {
		return []*module.ArgError{{Path: path, Summary: "Invalid template", Detail: diagLine(diags) + "."}}
	}
	return nil
}

func (m *Module) target(req *module.Request) (*copymod.Target, error) {
	src, text := req.Args.GetAttr("src"), req.Args.GetAttr("template")
	var (
		body    []byte
		name    string
		baseDir = "."
		err     error
	)
	switch { // the rules let exactly one of them through
	case !src.IsNull():
		name = src.AsString()
		if body, err = copymod.ReadLocal(req.LocalPath(name)); err != nil {
			return nil, err
		}
		baseDir = filepath.Dir(req.LocalPath(name))
	case !text.IsNull():
		name, body = "template", []byte(text.AsString())
	default:
		return nil, errors.New(`give src (a template file on the control node) or template (its text, e.g. template = file("x.tpl"))`)
	}
	out, err := Render(name, body, req.Args.GetAttr("vars"), baseDir)
	if err != nil {
		if req.IsSensitive("vars") || req.IsSensitive("template") {
			return nil, fmt.Errorf("rendering %s failed (details hidden: the template or its vars are sensitive)", name)
		}
		return nil, err
	}
	t := copymod.ReadTarget(req.Args)
	t.Content = out
	t.Sensitive = req.IsSensitive("vars") || req.IsSensitive("template")
	return t, nil
}

// Plan renders the template and compares the result with the host's file.
func (m *Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	t, err := m.target(&req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	return t.Plan(ctx, &req.Request)
}

// Apply renders again and writes the file when it differs.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	t, err := m.target(&req.Request)
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(copymod.Outputs), Err: err}
	}
	return t.Apply(ctx, &req.Request, req.Planned)
}

// Converge renders the template and writes the file in a run, in one
// command where it is new (module.Converger, copy.Target.Converge).
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	t, err := m.target(&req.Request)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Outputs: cty.NullVal(copymod.Outputs), Err: err}
	}
	return t.Converge(ctx, &req.Request, "")
}
