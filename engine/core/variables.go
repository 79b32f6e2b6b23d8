package core

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/dag"
	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/lang"
	"github.com/runbook-dev/runbook/internal/didyoumean"
)

var fnCache sync.Map // dir -> map[string]function.Function

func functions(dir string) map[string]function.Function {
	if f, ok := fnCache.Load(dir); ok {
		return f.(map[string]function.Function)
	}
	f := lang.Functions(dir)
	fnCache.Store(dir, f)
	return f
}

// VarValues are the raw variable values given on the command line and in
// the environment, before conversion to their declared types.
type VarValues struct {
	Files []string          // --var-file, in order
	Flags []string          // --var k=v, in order
	Env   map[string]string // RUNBOOK_VAR_k=v from the environment
	// Documents are var files given inline (-e '{"a": 1}'), read after
	// Files, as JSON or YAML.
	Documents []VarDocument
}

// VarDocument is a var file's content given on the command line.
type VarDocument struct {
	Name string // for messages, e.g. "-e"
	Src  []byte
}

// EnvVars collects RUNBOOK_VAR_* from an environment list (os.Environ()).
func EnvVars(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "RUNBOOK_VAR_") && len(k) > len("RUNBOOK_VAR_") {
			out[strings.TrimPrefix(k, "RUNBOOK_VAR_")] = v
		}
	}
	return out
}

type rawValue struct {
	expr   hcl.Expression // from a var file
	str    string         // from a flag or the environment
	source string         // for messages
}

// resolveVariables computes every variable's value: default < environment
// < var files < --var, converted to the declared type and validated.
// Sensitive values are marked.
// hideVarFileLines keeps the lines of var files out of diagnostics when
// the runbook declares a sensitive variable: a syntax error or a mistyped
// name may sit on a secret's line, and nothing can tell which line holds
// one. The position (file:line:col) stays.
func hideVarFileLines(rb *config.Runbook, diags hcl.Diagnostics, in VarValues) hcl.Diagnostics {
	sensitive := false
	for _, v := range rb.Variables {
		sensitive = sensitive || v.Sensitive
	}
	if !sensitive {
		return diags
	}
	files := map[string]bool{}
	for _, f := range in.Files {
		files[f] = true
	}
	for _, doc := range in.Documents {
		files[doc.Name] = true
	}
	for _, d := range diags {
		if d.Subject != nil && files[d.Subject.Filename] {
			d.Extra = event.NoSnippet{}
		}
	}
	return diags
}

func resolveVariables(rb *config.Runbook, in VarValues, files map[string]*hcl.File) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	raw := map[string]rawValue{}

	envKeys := make([]string, 0, len(in.Env))
	for k := range in.Env {
		envKeys = append(envKeys, k)
	}
	sort.Strings(envKeys)
	for _, k := range envKeys {
		if _, ok := rb.Variables[k]; ok { // undeclared env vars are ignored, as Terraform does
			raw[k] = rawValue{str: in.Env[k], source: "the environment variable RUNBOOK_VAR_" + k}
		}
	}
	readDoc := func(name string, src []byte) {
		vals, d := readVarFile(name, src, files)
		diags = append(diags, d...)
		for _, nv := range vals {
			if _, ok := rb.Variables[nv.name]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Value for undeclared variable",
					Detail:  fmt.Sprintf("The runbook declares no variable named %q.%s", nv.name, didyoumean.Sentence(nv.name, rb.VarOrder)),
					Subject: nv.nameRange.Ptr(),
				})
				continue
			}
			raw[nv.name] = rawValue{expr: nv.expr, source: name}
		}
	}
	for _, path := range in.Files {
		src, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variables file", Detail: err.Error()})
			continue
		}
		readDoc(path, src)
	}
	for _, doc := range in.Documents {
		readDoc(doc.Name, doc.Src)
	}
	for _, kv := range in.Flags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --var option", Detail: fmt.Sprintf("%q is not of the form NAME=VALUE.", kv)})
			continue
		}
		if _, ok := rb.Variables[k]; !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable", Detail: fmt.Sprintf("--var %s: the runbook declares no variable named %q.%s", k, k, didyoumean.Sentence(k, rb.VarOrder))})
			continue
		}
		raw[k] = rawValue{str: v, source: "--var " + k}
	}

	values := map[string]cty.Value{}
	for _, name := range rb.VarOrder {
		v := rb.Variables[name]
		r, given := raw[name]
		var val cty.Value
		var subject *hcl.Range
		switch {
		case given && r.expr != nil:
			x, d := r.expr.Value(nil)
			if d.HasErrors() && v.Sensitive {
				// Neither the message nor a snippet of the file may show
				// the value of a sensitive variable.
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable",
					Detail:  fmt.Sprintf("The value from %s for the sensitive variable %q cannot be evaluated (it is not shown).", r.source, name),
					Subject: v.DeclRange.Ptr()})
				continue
			}
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			val, subject = x, r.expr.Range().Ptr()
			if v.Sensitive {
				subject = v.DeclRange.Ptr()
			}
		case given:
			x, err := parseRawString(r.str, v.Type)
			if err != nil {
				detail := fmt.Sprintf("%s: %s", r.source, err)
				if v.Sensitive {
					detail = fmt.Sprintf("%s: the value cannot be read as %s (it is not shown: the variable is sensitive).", r.source, v.Type.FriendlyName())
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable", Detail: detail, Subject: v.DeclRange.Ptr()})
				continue
			}
			val = x
		case v.Default != cty.NilVal:
			val = v.Default
		default:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: fmt.Sprintf("No value for required variable %q", name),
				Detail:  fmt.Sprintf("Give it with --var %s=..., a --var-file, or the environment variable RUNBOOK_VAR_%s.", name, name),
				Subject: v.DeclRange.Ptr(),
			})
			continue
		}
		if v.TypeDefaults != nil {
			val = v.TypeDefaults.Apply(val)
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			src := "default"
			if given {
				src = r.source
			}
			if subject == nil {
				subject = v.DeclRange.Ptr()
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid value for variable",
				Detail:  fmt.Sprintf("The value from %s for variable %q is not %s: %s.", src, name, v.Type.FriendlyName(), err),
				Subject: subject,
			})
			continue
		}
		if v.Sensitive {
			conv = conv.Mark(lang.SensitiveMark)
		}
		diags = append(diags, validateVariable(rb, v, conv)...)
		values[name] = conv
	}
	return values, hideVarFileLines(rb, diags, in)
}

// parseRawString reads a value given as a string: strings stay strings;
// other types are parsed as HCL expressions, as Terraform does for -var.
func parseRawString(s string, ty cty.Type) (cty.Value, error) {
	if ty == cty.String {
		return cty.StringVal(s), nil
	}
	expr, diags := hclsyntax.ParseExpression([]byte(s), "<value>", hcl.InitialPos)
	if diags.HasErrors() {
		if ty == cty.DynamicPseudoType {
			return cty.StringVal(s), nil
		}
		return cty.NilVal, fmt.Errorf("cannot parse %q as %s", s, ty.FriendlyName())
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		if ty == cty.DynamicPseudoType {
			return cty.StringVal(s), nil
		}
		return cty.NilVal, fmt.Errorf("cannot parse %q as %s", s, ty.FriendlyName())
	}
	return v, nil
}

func validateVariable(rb *config.Runbook, v *config.Variable, val cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: val})},
		Functions: functions(rb.Dir),
	}
	for _, vd := range v.Validations {
		res, d := vd.Condition.Value(ctx)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		res, _ = res.Unmark()
		if res.IsNull() || !res.IsKnown() || res.Type() != cty.Bool {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid validation condition", Detail: "The condition must be true or false.", Subject: vd.Condition.Range().Ptr()})
			continue
		}
		if res.True() {
			continue
		}
		msg := "The value is not valid."
		if m, d := vd.ErrorMessage.Value(ctx); !d.HasErrors() {
			if m.HasMark(lang.SensitiveMark) || m.ContainsMarked() {
				msg = "(sensitive)"
			} else if m.Type() == cty.String && !m.IsNull() {
				msg = m.AsString()
			}
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Invalid value for variable",
			Detail:  fmt.Sprintf("%s\n\nThis was checked by the validation rule at %s.", msg, vd.DeclRange),
			Subject: vd.Condition.Range().Ptr(),
		})
	}
	return diags
}

// evalLocals computes every local in dependency order.
// Locals that read task outputs (dynamic) are computed per instance during
// the run (locals.go): here they are unknown.
func evalLocals(rb *config.Runbook, vars map[string]cty.Value, check bool, dynamic map[string]*dynLocal) (map[string]cty.Value, hcl.Diagnostics) {
	g := dag.New[string]()
	for _, l := range rb.LocalList {
		g.Add(l.Name)
		for _, tr := range l.Expr.Variables() {
			if tr.RootName() == "local" && len(tr) > 1 {
				if a, ok := tr[1].(hcl.TraverseAttr); ok {
					if _, ok := rb.Locals[a.Name]; ok {
						g.Connect(a.Name, l.Name)
					}
				}
			}
		}
	}
	order, err := g.TopoOrder()
	if err != nil {
		return nil, nil // the cycle was reported by analysis
	}
	locals := map[string]cty.Value{}
	var diags hcl.Diagnostics
	for _, name := range order {
		if dynamic[name] != nil {
			locals[name] = cty.DynamicVal
			continue
		}
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{
				"var": cty.ObjectVal(vars), "local": cty.ObjectVal(locals),
				"runbook": runbookObj(rb.Dir, cty.BoolVal(check)),
			},
			Functions: functions(rb.Dir),
		}
		v, d := rb.Locals[name].Expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			v = cty.DynamicVal
		}
		locals[name] = v
	}
	return locals, diags
}
