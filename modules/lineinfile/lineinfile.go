// Package lineinfile is the lineinfile module: it makes sure one line (or
// the line a regular expression matches) is in a text file on the host,
// or is not, as Ansible's lineinfile does, and leaves the other lines as
// they were. Writing goes through modules/internal/filediff.
package lineinfile

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
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
	args["regexp"] = &hcldec.ValidateSpec{Wrapped: &hcldec.AttrSpec{Name: "regexp", Type: cty.String}, Func: validateRegexp("regexp")}
	args["state"] = &hcldec.AttrSpec{Name: "state", Type: cty.String}
	args["insertafter"] = &hcldec.ValidateSpec{Wrapped: &hcldec.AttrSpec{Name: "insertafter", Type: cty.String}, Func: validateRegexp("insertafter")}
	args["insertbefore"] = &hcldec.ValidateSpec{Wrapped: &hcldec.AttrSpec{Name: "insertbefore", Type: cty.String}, Func: validateRegexp("insertbefore")}
	args["create"] = &hcldec.AttrSpec{Name: "create", Type: cty.Bool}
	return &module.Schema{
		Args:    args,
		Outputs: Outputs,
		Summary: "Ensure a line (or the line a regexp matches) is present in or absent from a text file",
		Doc:     doc,
		Example: example,
	}
}

func validateRegexp(name string) func(cty.Value) hcl.Diagnostics {
	return func(v cty.Value) hcl.Diagnostics {
		v, _ = v.Unmark()
		if v.IsNull() || !v.IsKnown() {
			return nil
		}
		s := v.AsString()
		if (name == "insertafter" && s == "EOF") || (name == "insertbefore" && s == "BOF") {
			return nil
		}
		if _, err := regexp.Compile(s); err != nil {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid " + name, Detail: fmt.Sprintf("%s is not a valid regular expression (Go RE2 syntax): %v", name, err)}}
		}
		return nil
	}
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
	state := "present"
	if s := optString(args, "state"); s != nil {
		state = *s
	}
	switch state {
	case "present":
	case "absent":
		w.absent = true
	default:
		return nil, fmt.Errorf(`state must be "present" or "absent", not %q`, state)
	}
	if s := optString(args, "regexp"); s != nil {
		w.re = regexp.MustCompile(*s) // validated at decode
	}
	after, before := optString(args, "insertafter"), optString(args, "insertbefore")
	switch {
	case after != nil && before != nil:
		return nil, errors.New("give insertafter or insertbefore, not both")
	case after != nil && *after == "EOF":
		w.eof = true
	case after != nil:
		w.after = regexp.MustCompile(*after)
	case before != nil && *before == "BOF":
		w.bof = true
	case before != nil:
		w.before = regexp.MustCompile(*before)
	}
	switch {
	case !w.absent && w.line == nil:
		return nil, errors.New(`state = "present" needs line, the line to put in the file`)
	case w.absent && w.line == nil && w.re == nil:
		return nil, errors.New(`state = "absent" needs regexp or line, to know which lines to remove`)
	case w.line != nil && bytes.ContainsAny([]byte(*w.line), "\r\n"):
		return nil, errors.New("line must be one line: it holds a line break")
	case w.absent && (after != nil || before != nil):
		return nil, errors.New(`insertafter and insertbefore do not go with state = "absent"`)
	}
	return w, nil
}
