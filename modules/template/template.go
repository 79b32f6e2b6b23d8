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
		Outputs: copymod.Outputs,
		Summary: "Render an HCL template (templatefile() syntax) with variables into a host file, with copy's atomic replace and diff",
		Doc:     doc,
		Example: example,
	}
}

// Render renders the template text (named name in messages) with vars;
// file paths in functions such as file() are relative to baseDir.
func Render(name string, text []byte, vars cty.Value, baseDir string) ([]byte, error) {
	expr, diags := hclsyntax.ParseTemplate(text, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("template %s: %s", name, diags.Error())
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: lang.Functions(baseDir)}
	delete(ctx.Functions, "templatefile")
	if !vars.IsNull() {
		if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
			return nil, fmt.Errorf("vars must be an object such as { port = 8779 }, not %s", vars.Type().FriendlyName())
		}
		for it := vars.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if !hclsyntax.ValidIdentifier(k.AsString()) {
				return nil, fmt.Errorf("vars: %q is not a name a template can use", k.AsString())
			}
			ctx.Variables[k.AsString()] = v
		}
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return nil, fmt.Errorf("rendering %s: %s", name, diags.Error())
	}
	v, _ = v.UnmarkDeep()
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return nil, fmt.Errorf("rendering %s: the result is %s, not text", name, v.Type().FriendlyName())
	}
	return []byte(s.AsString()), nil
}

func (m *Module) target(req *module.Request) (*copymod.Target, error) {
	src, text := req.Args.GetAttr("src"), req.Args.GetAttr("template")
	var (
		body    []byte
		name    string
		baseDir = "."
		err     error
	)
	switch {
	case !src.IsNull() && !text.IsNull():
		return nil, errors.New("give src or template, not both")
	case !src.IsNull():
		name = src.AsString()
		if body, err = copymod.ReadLocal(req.LocalPath(name)); err != nil {
			return nil, err
		}
		baseDir = filepath.Dir(name)
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
