package lang

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// length takes strings, and alltrue/anytrue exist, as in Terraform.
func TestTerraformCollectionFunctions(t *testing.T) {
	ctx := &hcl.EvalContext{Functions: Functions(t.TempDir()), Variables: map[string]cty.Value{
		"secret": cty.StringVal("abcd").Mark(SensitiveMark),
	}}
	for src, want := range map[string]cty.Value{
		`length("abc")`:                      cty.NumberIntVal(3),
		`length("héllo")`:                    cty.NumberIntVal(5),
		`length([1, 2])`:                     cty.NumberIntVal(2),
		`length({a = 1})`:                    cty.NumberIntVal(1),
		`alltrue([true, true])`:              cty.True,
		`alltrue([true, false])`:             cty.False,
		`alltrue([])`:                        cty.True,
		`anytrue([false, true])`:             cty.True,
		`anytrue([])`:                        cty.False,
		`anytrue(["false", "false"])`:        cty.False,
		`alltrue([for x in [1, 2] : x > 0])`: cty.True,
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags)
		}
		got, diags := expr.Value(ctx)
		if diags.HasErrors() {
			t.Errorf("%s: %s", src, diags)
			continue
		}
		if !got.RawEquals(want) {
			t.Errorf("%s = %#v, want %#v", src, got, want)
		}
	}
	// A sensitive string keeps its mark through length.
	expr, _ := hclsyntax.ParseExpression([]byte(`length(secret)`), "t.hcl", hcl.InitialPos)
	got, diags := expr.Value(ctx)
	if diags.HasErrors() || !got.HasMark(SensitiveMark) {
		t.Errorf("length(secret) = %#v (%s): the sensitive mark is lost", got, diags)
	}
}
