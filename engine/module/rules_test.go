package module

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func obj(attrs map[string]cty.Value) cty.Value {
	for _, k := range []string{"state", "src", "content", "mode", "port", "address", "wait"} {
		if _, ok := attrs[k]; !ok {
			attrs[k] = cty.NullVal(cty.DynamicPseudoType)
		}
	}
	return cty.ObjectVal(attrs)
}

var (
	str     = cty.StringVal
	unknown = cty.UnknownVal(cty.String)
)

func TestRules(t *testing.T) {
	cases := []struct {
		name string
		rule Rule
		args cty.Value
		want string // "" for no error, else a part of the first error
	}{
		{"one of: ok", OneOf("state", "started", "stopped"), obj(map[string]cty.Value{"state": str("started")}), ""},
		{"one of: typo", OneOf("state", "started", "stopped"), obj(map[string]cty.Value{"state": str("strated")}), `state must be "started" or "stopped", not "strated"`},
		{"one of: unknown passes", OneOf("state", "started"), obj(map[string]cty.Value{"state": unknown}), ""},
		{"one of: absent passes", OneOf("state", "started"), obj(map[string]cty.Value{}), ""},
		{"format: nested", Formatted("wait.timeout", Duration), obj(map[string]cty.Value{"wait": cty.ObjectVal(map[string]cty.Value{"timeout": str("soon")})}), `wait.timeout must be a duration`},
		{"format: list element", Formatted("mode", AbsPath), obj(map[string]cty.Value{"mode": cty.ListVal([]cty.Value{str("/ok"), str("rel")})}), `"rel" is not absolute`},
		{"format: file mode", Formatted("mode", FileMode), obj(map[string]cty.Value{"mode": str("0644")}), ""},
		{"range", InRange("port", 1, 65535, true), obj(map[string]cty.Value{"port": cty.NumberIntVal(70000)}), "port must be a whole number from 1 to 65535, not 70000"},
		{"range: fraction", InRange("port", 1, 65535, true), obj(map[string]cty.Value{"port": cty.NumberFloatVal(1.5)}), "not 1.5"},
		{"exactly one: both", ExactlyOneOf("src", "content"), obj(map[string]cty.Value{"src": str("a"), "content": str("b")}), "Give only one of src or content"},
		{"exactly one: none", ExactlyOneOf("src", "content"), obj(map[string]cty.Value{}), "Give exactly one of src or content"},
		{"exactly one: one unknown", ExactlyOneOf("src", "content"), obj(map[string]cty.Value{"src": unknown}), ""},
		{"at least one: unknown may be set", AtLeastOneOf("src", "content"), obj(map[string]cty.Value{"content": unknown}), ""},
		{"requires", Requires("address", "port"), obj(map[string]cty.Value{"address": str("h")}), "address goes with port"},
		{"requires: unknown passes", Requires("address", "port"), obj(map[string]cty.Value{"address": str("h"), "port": cty.UnknownVal(cty.Number)}), ""},
		{"when: holds", When("state", []string{"absent"}, Forbidden("mode")), obj(map[string]cty.Value{"state": str("absent"), "mode": str("0644")}), `mode does not go with the other arguments given (when state is "absent")`},
		{"when: not given holds", When("state", []string{""}, Required("src")), obj(map[string]cty.Value{}), `src is required here (when state is not given)`},
		{"when: other value", When("state", []string{"absent"}, Forbidden("mode")), obj(map[string]cty.Value{"state": str("file"), "mode": str("0644")}), ""},
		{"when: unknown condition passes", When("state", []string{"absent"}, Forbidden("mode")), obj(map[string]cty.Value{"state": unknown, "mode": str("0644")}), ""},
		{"unless", Unless("state", []string{"link"}, Forbidden("src")), obj(map[string]cty.Value{"src": str("/x")}), `(unless state is "link")`},
		{"unless: holds not", Unless("state", []string{"link"}, Forbidden("src")), obj(map[string]cty.Value{"state": str("link"), "src": str("/x")}), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.rule.Check(c.args)
			switch {
			case c.want == "" && len(errs) > 0:
				t.Errorf("want no error, got %v", errs[0])
			case c.want != "" && len(errs) == 0:
				t.Errorf("want an error with %q, got none", c.want)
			case c.want != "" && !strings.Contains(errs[0].Error(), c.want):
				t.Errorf("want an error with %q, got %q", c.want, errs[0].Error())
			}
			if c.rule.Doc() == "" {
				t.Error("the rule has no doc line")
			}
		})
	}
}
