package core

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/inventory"
)

// namedValue is one variable's value read from a var file.
type namedValue struct {
	name      string
	nameRange hcl.Range
	expr      hcl.Expression
}

// readVarFile reads a var file by its suffix: .json (HCL's JSON syntax, as
// Terraform's .tfvars.json), .yaml/.yml (as Ansible's vars files), else HCL
// (NAME.vars.hcl by convention, see config.VarFileSuffix). Inline
// documents (named "-e") are YAML, which JSON is a part of. files, when
// not nil, receives parsed HCL files for diagnostic snippets.
func readVarFile(name string, src []byte, files map[string]*hcl.File) ([]namedValue, hcl.Diagnostics) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case ext == ".yaml" || ext == ".yml" || name == "-e":
		vals, rngs, diags := inventory.YAMLValues(name, src)
		if name != "-e" && files != nil {
			files[name] = &hcl.File{Bytes: src}
		}
		out := make([]namedValue, 0, len(vals))
		for n, v := range vals {
			out = append(out, namedValue{name: n, nameRange: rngs[n], expr: hcl.StaticExpr(v, rngs[n])})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out, diags
	case ext == ".json":
		f, diags := hcljson.Parse(src, name)
		if diags.HasErrors() {
			return nil, diags
		}
		if files != nil {
			files[name] = f
		}
		return attributes(f.Body)
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		if hint := notHCLHint(src); hint != "" {
			for _, d := range diags {
				d.Detail = strings.TrimSpace(d.Detail + " " + hint)
			}
		}
		return nil, diags
	}
	if files != nil {
		files[name] = f
	}
	if blocks := f.Body.(*hclsyntax.Body).Blocks; len(blocks) > 0 {
		b := blocks[0]
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError, Summary: "Not a variables file",
			Detail: fmt.Sprintf("A variables file holds only NAME = value lines; this one has a %s block. %s",
				b.Type, config.LooksLike(f)),
			Subject: b.TypeRange.Ptr(),
		}}
	}
	return attributes(f.Body)
}

func attributes(body hcl.Body) ([]namedValue, hcl.Diagnostics) {
	attrs, diags := body.JustAttributes()
	out := make([]namedValue, 0, len(attrs))
	for n, a := range attrs {
		out = append(out, namedValue{name: n, nameRange: a.NameRange, expr: a.Expr})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, diags
}

// notHCLHint says what a var file that does not parse as HCL looks like,
// when it looks like YAML or JSON.
func notHCLHint(src []byte) string {
	t := bytes.TrimSpace(src)
	switch {
	case bytes.HasPrefix(t, []byte("{")):
		return "This looks like JSON: name the file with a .json suffix."
	case bytes.HasPrefix(t, []byte("---")) || bytes.Contains(t, []byte(": ")) && !bytes.Contains(t, []byte("=")):
		return "This looks like YAML: name the file with a .yaml or .yml suffix."
	}
	return ""
}
