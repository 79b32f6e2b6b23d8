// Package args reads module arguments: the decoded cty object a module gets
// in module.Request.Args. Absent and null arguments read as the zero value
// (or a default), so a module never panics on an optional argument.
//
// It also merges hcldec object specs, for modules that share arguments
// (connection settings, file attributes).
package args

import (
	"math/big"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Merge returns a spec holding the attributes of all specs.
func Merge(specs ...hcldec.ObjectSpec) hcldec.ObjectSpec {
	out := hcldec.ObjectSpec{}
	for _, s := range specs {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

// Attr returns obj.name, or a null value when obj has no such attribute.
func Attr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.IsKnown() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return obj.GetAttr(name)
}

// Str returns a string argument, "" when null or absent.
func Str(obj cty.Value, name string) string {
	v := Attr(obj, name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// BoolOK returns a bool argument; ok is false when it is null or absent.
func BoolOK(obj cty.Value, name string) (value, ok bool) {
	v := Attr(obj, name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return false, false
	}
	return v.True(), true
}

// Bool returns a bool argument, def when null or absent.
func Bool(obj cty.Value, name string, def bool) bool {
	if v, ok := BoolOK(obj, name); ok {
		return v
	}
	return def
}

// Int returns a number argument as an int, def when null or absent.
func Int(obj cty.Value, name string, def int) int {
	v := Attr(obj, name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return def
	}
	i, _ := v.AsBigFloat().Int(new(big.Int))
	return int(i.Int64())
}

// Strings returns a list, set or tuple of strings, nil when null or absent.
func Strings(obj cty.Value, name string) []string {
	v := Attr(obj, name)
	if v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsKnown() && !e.IsNull() && e.Type() == cty.String {
			out = append(out, e.AsString())
		}
	}
	return out
}
