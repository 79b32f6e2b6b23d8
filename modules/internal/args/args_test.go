package args

import (
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestReaders(t *testing.T) {
	obj := cty.ObjectVal(map[string]cty.Value{
		"s": cty.StringVal("x"), "null": cty.NullVal(cty.String), "b": cty.True, "n": cty.NumberIntVal(42),
		"l": cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
	})
	if Str(obj, "s") != "x" || Str(obj, "null") != "" || Str(obj, "absent") != "" || Str(cty.NullVal(cty.DynamicPseudoType), "s") != "" {
		t.Error("Str")
	}
	if !Bool(obj, "b", false) || Bool(obj, "absent", true) != true || Bool(obj, "s", false) {
		t.Error("Bool")
	}
	if _, ok := BoolOK(obj, "null"); ok {
		t.Error("BoolOK of null")
	}
	if Int(obj, "n", 0) != 42 || Int(obj, "absent", 7) != 7 {
		t.Error("Int")
	}
	if fmt.Sprint(Strings(obj, "l")) != "[a b]" || Strings(obj, "absent") != nil {
		t.Error("Strings")
	}
}
