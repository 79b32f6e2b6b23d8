package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/core"
	"github.com/runbook-dev/runbook/engine/module"
)

// TestEveryModuleRuleIsExercised is the conformance test of module rules:
// for every rule every module declares, arguments that break it (from the
// rule itself, with the module's required arguments filled in) are loaded
// as a runbook, and validation must report the rule's own error at the
// module block, before anything runs.
func TestEveryModuleRuleIsExercised(t *testing.T) {
	reg := registry()
	total := 0
	for _, name := range reg.Names() {
		m, _ := reg.Get(name)
		s := m.Schema()
		attrs := attrTypes(s.Args)
		sample := func(attr string) string { return sampleExpr(attrs[attr]) }
		for i, r := range s.Rules {
			total++
			args := map[string]string{}
			for a, ty := range attrs {
				if requiredAttr(s.Args, a) {
					args[a] = sampleExpr(ty)
				}
			}
			for k, v := range r.Broken(sample) {
				args[k] = v
			}
			body := moduleBody(args)
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				// The rule itself must find what it declared broken.
				f, diags := hclsyntax.ParseConfig([]byte(body), "args.hcl", hcl.InitialPos)
				if diags.HasErrors() {
					t.Fatalf("the broken arguments do not parse:\n%s\n%s", body, diags.Error())
				}
				v, diags := hcldec.Decode(f.Body, s.Args, nil)
				if diags.HasErrors() {
					t.Fatalf("the broken arguments do not decode:\n%s\n%s", body, diags.Error())
				}
				want := r.Check(v)
				if len(want) == 0 {
					t.Fatalf("rule %q does not fail on its own broken arguments:\n%s", r.Doc(), body)
				}
				// And validation reports it at load time, in the module block.
				dir := t.TempDir()
				src := fmt.Sprintf("task \"t\" {\n  %s {\n%s  }\n}\n", name, body)
				if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o600); err != nil {
					t.Fatal(err)
				}
				_, got := core.Load(core.LoadOptions{Dir: dir, Registry: reg})
				for _, d := range got {
					if d.Summary == want[0].Summary && d.Subject != nil && d.Subject.Start.Line >= 2 && d.Subject.Start.Line <= strings.Count(src, "\n") {
						return
					}
				}
				t.Errorf("validation of\n%s\ndid not report %q (rule: %s); it reported:\n%s", src, want[0], r.Doc(), got.Error())
			})
		}
	}
	if total < 60 {
		t.Errorf("only %d rules are declared in all: the modules' checks belong in their schemas", total)
	}
}

// attrTypes returns the type of every top-level attribute of a spec.
func attrTypes(spec hcldec.Spec) map[string]cty.Type {
	out := map[string]cty.Type{}
	var walk func(hcldec.Spec)
	walk = func(spec hcldec.Spec) {
		switch sp := spec.(type) {
		case hcldec.ObjectSpec:
			for _, v := range sp {
				walk(v)
			}
		case *hcldec.AttrSpec:
			out[sp.Name] = sp.Type
		case *hcldec.ValidateSpec:
			walk(sp.Wrapped)
		case *hcldec.DefaultSpec:
			walk(sp.Primary)
		}
	}
	walk(spec)
	return out
}

func requiredAttr(spec hcldec.Spec, name string) bool {
	for _, a := range hcldec.ImpliedSchema(spec).Attributes {
		if a.Name == name {
			return a.Required
		}
	}
	return false
}

// sampleExpr is a valid HCL expression of type ty.
func sampleExpr(ty cty.Type) string {
	switch {
	case ty == cty.String || ty == cty.DynamicPseudoType || ty == cty.NilType:
		return `"/tmp/sample"`
	case ty == cty.Number:
		return "1"
	case ty == cty.Bool:
		return "true"
	case ty.IsListType() || ty.IsSetType():
		return "[" + sampleExpr(ty.ElementType()) + "]"
	case ty.IsMapType():
		return "{ k = " + sampleExpr(ty.ElementType()) + " }"
	case ty.IsObjectType():
		var parts []string
		for n, at := range ty.AttributeTypes() {
			if !ty.AttributeOptional(n) {
				parts = append(parts, n+" = "+sampleExpr(at))
			}
		}
		sort.Strings(parts)
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return `"/tmp/sample"`
}

func moduleBody(args map[string]string) string {
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "    %s = %s\n", k, args[k])
	}
	return b.String()
}

// The rules are on the reference page too.
func TestModuleRulesAreDocumented(t *testing.T) {
	reg := registry()
	for _, name := range reg.Names() {
		m, _ := reg.Get(name)
		page := modulePage(name, m)
		for _, r := range m.Schema().Rules {
			if !strings.Contains(page, r.Doc()) {
				t.Errorf("%s: the page lacks the rule %q", name, r.Doc())
			}
		}
	}
	var _ module.Rule // the rules are engine/module's
}
