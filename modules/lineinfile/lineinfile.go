// Package lineinfile is the lineinfile module: it makes sure one line (or
// the line a regular expression matches) is in a text file on the host,
// or is not, as Ansible's lineinfile does, and leaves the other lines as
// they were. Writing goes through modules/internal/filediff.
package lineinfile

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
)

// Name is the module's block name in a task.
const Name = "lineinfile"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module edits single lines of text files.
type Module struct{}

// New returns the lineinfile module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Outputs is the type of the module's outputs.
var Outputs = cty.Object(map[string]cty.Type{
	"path":    cty.String,
	"changed": cty.Bool,
	"backup":  cty.String,
})

// Schema: path, line, regexp, state, insertafter, insertbefore, create,
// owner, group, mode, backup.
func (*Module) Schema() *module.Schema {
	args := filediff.AttrArgs(true)
	args["path"] = &hcldec.AttrSpec{Name: "path", Type: cty.String, Required: true}
	args["line"] = &hcldec.AttrSpec{Name: "line", Type: cty.String}
	args["regexp"] = &hcldec.AttrSpec{Name: "regexp", Type: cty.String}
	args["state"] = &hcldec.AttrSpec{Name: "state", Type: cty.String}
	args["insertafter"] = &hcldec.AttrSpec{Name: "insertafter", Type: cty.String}
	args["insertbefore"] = &hcldec.AttrSpec{Name: "insertbefore", Type: cty.String}
	args["create"] = &hcldec.AttrSpec{Name: "create", Type: cty.Bool}
	return &module.Schema{
		Args: args,
		Rules: append(filediff.AttrRules(true),
			module.OneOf("state", "present", "absent"),
			module.Formatted("line", oneLine),
			module.Formatted("regexp", module.Regexp),
			module.Formatted("insertafter", regexpOr("EOF")),
			module.Formatted("insertbefore", regexpOr("BOF")),
			module.AtMostOneOf("insertafter", "insertbefore"),
			module.When("state", []string{"", "present"}, module.Required("line")),
			module.When("state", []string{"absent"}, module.AtLeastOneOf("regexp", "line"), module.Forbidden("insertafter", "insertbefore")),
		),
		Outputs: Outputs,
		Summary: "Ensure a line (or the line a regexp matches) is present in or absent from a text file",
		Doc:     doc,
		Example: example,
	}
}

// oneLine is text without a line break.
var oneLine = module.Format{Name: "one line", Bad: "a\nb", Check: func(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return errors.New("it holds a line break")
	}
	return nil
}}

// regexpOr is a regular expression, or the word that stands for an end of
// the file.
func regexpOr(word string) module.Format {
	return module.Format{Name: fmt.Sprintf("a regular expression (RE2 syntax) or %q", word), Bad: "([", Check: func(s string) error {
		if s == word {
			return nil
		}
		_, err := regexp.Compile(s)
		return err
	}}
}

// want is the decoded module block.
type want struct {
	path              string
	line              *string
	re, after, before *regexp.Regexp
	eof, bof          bool
	absent, create    bool
	attrs             filediff.Attrs
}

func optString(args cty.Value, name string) *string {
	v := args.GetAttr(name)
	if v.IsNull() {
		return nil
	}
	s := v.AsString()
	return &s
}

func readWant(req *module.Request) (*want, error) {
	args := req.Args
	w := &want{path: args.GetAttr("path").AsString(), line: optString(args, "line"), attrs: filediff.ReadAttrs(args)}
	if v := args.GetAttr("create"); !v.IsNull() {
		w.create = v.True()
	}
	w.absent = optString(args, "state") != nil && *optString(args, "state") == "absent"
	var err error
	compile := func(s *string) *regexp.Regexp {
		if s == nil || err != nil {
			return nil
		}
		var re *regexp.Regexp
		re, err = regexp.Compile(*s) // checked by the rules before Plan
		return re
	}
	w.re = compile(optString(args, "regexp"))
	after, before := optString(args, "insertafter"), optString(args, "insertbefore")
	switch {
	case after != nil && *after == "EOF":
		w.eof = true
	case after != nil:
		w.after = compile(after)
	case before != nil && *before == "BOF":
		w.bof = true
	case before != nil:
		w.before = compile(before)
	}
	if err != nil {
		return nil, err
	}
	if w.line == nil && (!w.absent || w.re == nil) {
		return nil, errors.New("line (or, to remove lines, regexp) is required")
	}
	return w, nil
}
