// Package ini is the ini module: it sets, changes or removes options in an
// INI file such as /etc/trove/trove.conf, the way oslo.config reads it
// (sections, repeated keys for multi-valued options, # and ; comments,
// indented continuation lines), and leaves every other byte of the file as
// it was.
//
// It owns a small parser and editor (parse.go, edit.go) instead of an INI
// library, because libraries rewrite the whole file. Writing goes through
// modules/internal/filediff (staged, owner and mode kept, atomic rename).
package ini

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
)

// Name is the module's block name in a task.
const Name = "ini"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module edits INI files.
type Module struct{}

// New returns the ini module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Outputs is the type of the module's outputs.
var Outputs = cty.Object(map[string]cty.Type{
	"path":    cty.String,
	"changed": cty.Bool,
	"backup":  cty.String,
})

// Schema: path, section, values, absent, create, plus owner, group, mode
// and backup.
func (*Module) Schema() *module.Schema {
	args := filediff.AttrArgs(true)
	args["path"] = &hcldec.AttrSpec{Name: "path", Type: cty.String, Required: true}
	args["section"] = &hcldec.AttrSpec{Name: "section", Type: cty.String, Required: true}
	args["values"] = &hcldec.AttrSpec{Name: "values", Type: cty.DynamicPseudoType}
	args["absent"] = &hcldec.AttrSpec{Name: "absent", Type: cty.List(cty.String)}
	args["create"] = &hcldec.AttrSpec{Name: "create", Type: cty.Bool}
	return &module.Schema{
		Args: args,
		Rules: append(filediff.AttrRules(true),
			module.Formatted("section", sectionName),
			module.Formatted("absent", optionName),
			module.AtLeastOneOf("values", "absent"),
			valuesRule{},
		),
		Outputs: Outputs,
		Summary: "Set, change or remove options of an INI file (oslo.config style), leaving the rest of it byte for byte",
		Doc:     doc,
		Example: example,
	}
}

// sectionName is what can stand between [ and ].
var sectionName = module.Format{Name: `an INI section name such as "DEFAULT"`, Bad: "[DEFAULT]", Check: func(s string) error {
	if s == "" || strings.ContainsAny(s, "]\n\r") || strings.TrimSpace(s) != s {
		return fmt.Errorf("%q cannot be one: it must be non-empty, without \"]\", line breaks or blanks at its ends (write \"DEFAULT\", not \"[DEFAULT]\")", s)
	}
	return nil
}}

// optionName is what can stand before = in an INI file.
var optionName = module.Format{Name: "an INI option name", Bad: "#a", Check: validKey}

func validKey(k string) error {
	if k == "" || strings.ContainsAny(k, "=:\n\r") || strings.TrimSpace(k) != k || strings.ContainsAny(k[:1], "[#;") {
		return fmt.Errorf("%q cannot be an INI option name: it must be non-empty, hold no \"=\", \":\" or line break, have no blanks at its ends and not start with \"[\", \"#\" or \";\"", k)
	}
	return nil
}

// valuesRule: values is an object (or map) of strings, numbers, bools or
// lists of them, with option names, none of them also in absent.
type valuesRule struct{}

func (valuesRule) Check(v cty.Value) []*module.ArgError {
	vals := v.GetAttr("values")
	if vals.IsNull() || !vals.IsWhollyKnown() {
		return nil
	}
	m, err := readValues(vals)
	if err != nil {
		return []*module.ArgError{{Path: cty.GetAttrPath("values"), Summary: "Invalid value for values", Detail: err.Error() + "."}}
	}
	if ab := v.GetAttr("absent"); ab.IsWhollyKnown() && !ab.IsNull() {
		for it := ab.ElementIterator(); it.Next(); {
			if _, e := it.Element(); !e.IsNull() {
				if _, both := m[e.AsString()]; both {
					return []*module.ArgError{{Path: cty.GetAttrPath("absent"), Summary: "Conflicting arguments",
						Detail: fmt.Sprintf("Option %s is both in values and in absent.", e.AsString())}}
				}
			}
		}
	}
	return nil
}

func (valuesRule) Doc() string {
	return "`values` is an object of option names to strings, numbers, bools or lists of them (a multi-valued option); an option is not both in `values` and `absent`."
}

func (valuesRule) Broken(func(string) string) map[string]string {
	return map[string]string{"values": `{ a = { b = 1 } }`}
}

// readValues turns the values argument into option name -> values (one
// for a plain option, several for a multi-valued one).
func readValues(v cty.Value) (map[string][]string, error) {
	ty := v.Type()
	if !ty.IsObjectType() && !ty.IsMapType() {
		return nil, fmt.Errorf("values must be an object such as { transport_url = \"rabbit://...\" }, not %s", ty.FriendlyName())
	}
	out := map[string][]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		key := k.AsString()
		if err := validKey(key); err != nil {
			return nil, err
		}
		switch et := e.Type(); {
		case e.IsNull():
			return nil, fmt.Errorf("the value of %s is null; to remove an option, list it in absent", key)
		case et.IsPrimitiveType():
			s, err := str(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			out[key] = []string{s}
		case et.IsListType() || et.IsTupleType() || et.IsSetType():
			list := []string{}
			for li := e.ElementIterator(); li.Next(); {
				_, ev := li.Element()
				if ev.IsNull() || !ev.Type().IsPrimitiveType() {
					return nil, fmt.Errorf("%s: a multi-valued option is a list of strings, numbers or bools", key)
				}
				s, err := str(ev)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", key, err)
				}
				list = append(list, s)
			}
			out[key] = list
		default:
			return nil, fmt.Errorf("%s: the value must be a string, a number, a bool or a list of them (a multi-valued option), not %s", key, et.FriendlyName())
		}
	}
	return out, nil
}

func str(v cty.Value) (string, error) {
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", err
	}
	return s.AsString(), nil
}

// args is the decoded module block.
type args struct {
	path, section string
	values        map[string][]string
	absent        []string
	create        bool
	attrs         filediff.Attrs
}

func readArgs(v cty.Value) (*args, error) {
	a := &args{
		path:    v.GetAttr("path").AsString(),
		section: v.GetAttr("section").AsString(),
		attrs:   filediff.ReadAttrs(v),
		values:  map[string][]string{},
	}
	if c := v.GetAttr("create"); !c.IsNull() {
		a.create = c.True()
	}
	if vals := v.GetAttr("values"); !vals.IsNull() {
		m, err := readValues(vals)
		if err != nil {
			return nil, err
		}
		a.values = m
	}
	if ab := v.GetAttr("absent"); !ab.IsNull() {
		for it := ab.ElementIterator(); it.Next(); {
			_, e := it.Element()
			k := e.AsString()
			if _, both := a.values[k]; both {
				return nil, fmt.Errorf("option %s is both in values and in absent", k)
			}
			a.absent = append(a.absent, k)
		}
	}
	if len(a.values) == 0 && len(a.absent) == 0 {
		return nil, fmt.Errorf("nothing to do: give values to set and/or absent options to remove")
	}
	return a, nil
}

// secretKey matches option names whose values are secrets in OpenStack
// configuration files.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|credential|_key$|^key$)`)

// urlPassword finds the password of a URL such as
// rabbit://user:PASSWORD@host or mysql+pymysql://user:PASSWORD@host/db.
var urlPassword = regexp.MustCompile(`(://[^:/@\s]*:)([^@\s]*)(@)`)

// sensitive reports whether key's values must be hidden: the argument is
// marked sensitive or the name says it is a secret.
func sensitive(req *module.Request, key string) bool {
	if secretKey.MatchString(key) {
		return true
	}
	for _, p := range req.Sensitive {
		if len(p) == 0 {
			continue
		}
		if ga, ok := p[0].(cty.GetAttrStep); !ok || ga.Name != "values" {
			continue
		}
		if len(p) == 1 {
			return true
		}
		switch s := p[1].(type) {
		case cty.IndexStep:
			if s.Key.Type() == cty.String && s.Key.AsString() == key {
				return true
			}
		case cty.GetAttrStep:
			if s.Name == key {
				return true
			}
		}
	}
	return false
}

// show renders an option's values for the diff, with passwords in URLs
// replaced.
func show(vals []string) string {
	red := make([]string, len(vals))
	for i, v := range vals {
		red[i] = urlPassword.ReplaceAllString(v, "${1}(sensitive)${3}")
	}
	if len(red) == 1 {
		return red[0]
	}
	return "[" + strings.Join(quoteAll(red), ", ") + "]"
}

func quoteAll(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
