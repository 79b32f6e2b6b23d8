package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// modulePage renders a module's reference page: its own doc and example,
// with the arguments and outputs generated from its schema, so the page can
// never disagree with what the engine checks.
func modulePage(name string, m module.Module) string {
	s := m.Schema()
	var b strings.Builder
	doc := strings.TrimSpace(s.Doc)
	if !strings.HasPrefix(doc, "#") {
		fmt.Fprintf(&b, "# %s\n\n%s\n\n", name, s.Summary)
	}
	if doc != "" {
		b.WriteString(doc)
		b.WriteString("\n\n")
	}
	b.WriteString("## Schema (generated)\n\nWhat the engine checks before anything runs.\n\n| argument | type | required |\n|---|---|---|\n")
	for _, row := range specRows("", s.Args) {
		b.WriteString(row)
	}
	if len(s.Rules) > 0 {
		b.WriteString("\nChecked too, before anything runs (and again on each host's values):\n\n")
		for _, r := range s.Rules {
			fmt.Fprintf(&b, "- %s\n", r.Doc())
		}
	}
	if s.Outputs != cty.NilType && s.Outputs.IsObjectType() {
		b.WriteString("\n| output | type |\n|---|---|\n")
		names := make([]string, 0, len(s.Outputs.AttributeTypes()))
		for n := range s.Outputs.AttributeTypes() {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "| `%s` | %s |\n", n, typeName(s.Outputs.AttributeType(n)))
		}
	}
	if s.Example != "" {
		fmt.Fprintf(&b, "\n## Example\n\n```hcl\n%s\n```\n", strings.TrimSpace(s.Example))
	}
	return b.String()
}

// specRows lists the arguments of an hcldec spec as table rows.
func specRows(prefix string, spec hcldec.Spec) []string {
	var rows []string
	switch sp := spec.(type) {
	case hcldec.ObjectSpec:
		keys := make([]string, 0, len(sp))
		for k := range sp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rows = append(rows, specRows(prefix, sp[k])...)
		}
	case *hcldec.AttrSpec:
		rows = append(rows, fmt.Sprintf("| `%s%s` | %s | %s |\n", prefix, sp.Name, typeName(sp.Type), yes(sp.Required)))
	case *hcldec.DefaultSpec:
		rows = append(rows, specRows(prefix, sp.Primary)...)
	case *hcldec.ValidateSpec:
		rows = append(rows, specRows(prefix, sp.Wrapped)...)
	case *hcldec.TransformFuncSpec:
		rows = append(rows, specRows(prefix, sp.Wrapped)...)
	case *hcldec.TransformExprSpec:
		rows = append(rows, specRows(prefix, sp.Wrapped)...)
	case *hcldec.RefineValueSpec:
		rows = append(rows, specRows(prefix, sp.Wrapped)...)
	case *hcldec.BlockSpec:
		rows = append(rows, fmt.Sprintf("| `%s%s { }` | block | %s |\n", prefix, sp.TypeName, yes(sp.Required)))
		rows = append(rows, specRows(prefix+sp.TypeName+".", sp.Nested)...)
	case *hcldec.BlockListSpec:
		rows = append(rows, fmt.Sprintf("| `%s%s { }` | blocks | %s |\n", prefix, sp.TypeName, yes(sp.MinItems > 0)))
		rows = append(rows, specRows(prefix+sp.TypeName+".", sp.Nested)...)
	}
	return rows
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func typeName(t cty.Type) string {
	if t == cty.NilType || t == cty.DynamicPseudoType {
		return "any"
	}
	if t.IsObjectType() && len(t.AttributeTypes()) > 4 {
		return "object"
	}
	return strings.ReplaceAll(t.FriendlyName(), "|", "\\|")
}

// argNames lists the top-level argument and block names of a spec.
func argNames(spec hcldec.Spec) []string {
	// hcl's own ImpliedSchema walks every kind of spec, wrappers included.
	schema := hcldec.ImpliedSchema(spec)
	out := make([]string, 0, len(schema.Attributes)+len(schema.Blocks))
	for _, a := range schema.Attributes {
		out = append(out, a.Name)
	}
	for _, b := range schema.Blocks {
		out = append(out, b.Type)
	}
	sort.Strings(out)
	return out
}
