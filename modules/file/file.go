// Package file is the file module: it makes a path on the task's host be a
// file, a directory, a symbolic link or nothing, with an owner, a group and
// a mode. It manages what a path is, not what a file holds (copy, template,
// ini and lineinfile do that).
//
// Everything runs through the host's transport.Conn as argv (stat,
// mkdir, ln, mv, chown, chmod, rm), never as shell text.
package file

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Name is the module's block name in a task.
const Name = "file"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module manages what a path is.
type Module struct{}

// New returns the file module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Outputs is the type of the module's outputs.
var Outputs = cty.Object(map[string]cty.Type{
	"path":    cty.String,
	"state":   cty.String,
	"changed": cty.Bool,
})

var states = []string{"file", "directory", "link", "absent", "touch"}

// Schema: path, state, src (a link's target), force, recurse, owner,
// group, mode.
func (*Module) Schema() *module.Schema {
	args := filediff.AttrArgs(false)
	args["path"] = &hcldec.AttrSpec{Name: "path", Type: cty.String, Required: true}
	args["state"] = &hcldec.AttrSpec{Name: "state", Type: cty.String}
	args["src"] = &hcldec.AttrSpec{Name: "src", Type: cty.String}
	args["force"] = &hcldec.AttrSpec{Name: "force", Type: cty.Bool}
	args["recurse"] = &hcldec.AttrSpec{Name: "recurse", Type: cty.Bool}
	return &module.Schema{
		Args: args,
		Rules: append(filediff.AttrRules(false),
			module.Formatted("path", managedPath),
			module.OneOf("state", states...),
			module.When("state", []string{"link"}, module.Required("src")),
			module.Explain("mode does not apply to a symbolic link (Linux ignores it); set the mode of its target instead.",
				module.When("state", []string{"link"}, module.Forbidden("mode"))),
			module.Unless("state", []string{"link"}, module.Forbidden("src", "force")),
			module.When("state", []string{"absent"}, module.Forbidden("owner", "group", "mode")),
			module.Unless("state", []string{"directory"}, module.Forbidden("recurse")),
			module.Explain("recurse sets the owner and group of everything in the directory: give owner or group.",
				module.WhenOn("recurse", module.AtLeastOneOf("owner", "group"))),
		),
		Outputs: Outputs,
		Summary: "Make a path a file, directory or symlink (or absent), with owner, group and mode",
		Doc:     doc,
		Example: example,
	}
}

// managedPath is an absolute path other than /.
var managedPath = module.Format{Name: `an absolute path other than "/"`, Bad: "relative", Check: func(s string) error {
	switch {
	case !path.IsAbs(s):
		return fmt.Errorf("%q is not absolute", s)
	case path.Clean(s) == "/":
		return errors.New(`"/" cannot be managed`)
	}
	return nil
}}

// want is the decoded module block.
type want struct {
	path, state, src string
	force, recurse   bool
	attrs            filediff.Attrs
}

func readWant(args cty.Value) (*want, error) {
	w := &want{path: args.GetAttr("path").AsString(), state: "file", attrs: filediff.ReadAttrs(args)}
	if v := args.GetAttr("state"); !v.IsNull() {
		w.state = v.AsString()
	}
	if v := args.GetAttr("src"); !v.IsNull() {
		w.src = v.AsString()
	}
	if v := args.GetAttr("force"); !v.IsNull() {
		w.force = v.True()
	}
	if v := args.GetAttr("recurse"); !v.IsNull() {
		w.recurse = v.True()
	}
	if !path.IsAbs(w.path) || path.Clean(w.path) == "/" || (w.state == "link") != (w.src != "") {
		return nil, errors.New("the arguments do not pass the module's rules") // the engine checks them first
	}
	return w, nil
}

// plan is what the module found and would do.
type plan struct {
	w      *want
	fi     *hostfs.FileInfo // nil when the path does not exist
	real   string           // where attributes land: the path, or what its symlink names
	create bool             // make the file, directory or link
	remove bool
	relink bool // replace an existing link (or, with force, a file) by the link
	// inside is a path under the directory whose owner or group differs
	// (recurse), or "".
	inside string
	attrs  []module.DiffItem
	diff   *module.Diff
}

func (p *plan) changed() bool {
	return p.create || p.remove || p.relink || len(p.attrs) > 0 || p.inside != ""
}

// differsInside finds a path under the directory whose owner or group is
// not the asked one (find -user/-group take names or numbers), or "".
func differsInside(ctx context.Context, conn transport.Conn, w *want) (string, error) {
	argv := []string{"find", w.path, "-mindepth", "1", "("}
	if w.attrs.Owner != "" {
		argv = append(argv, "!", "-user", w.attrs.Owner)
	}
	if w.attrs.Owner != "" && w.attrs.Group != "" {
		argv = append(argv, "-o")
	}
	if w.attrs.Group != "" {
		argv = append(argv, "!", "-group", w.attrs.Group)
	}
	argv = append(argv, ")", "-print", "-quit")
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return "", err
	}
	if res.RC != 0 {
		return "", &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: "looking at the owners under " + w.path}
	}
	return strings.TrimSuffix(string(res.Stdout), "\n"), nil
}

func ownerGroup(a filediff.Attrs) string {
	switch {
	case a.Owner != "" && a.Group != "":
		return a.Owner + ":" + a.Group
	case a.Owner != "":
		return a.Owner
	}
	return ":" + a.Group
}

func look(ctx context.Context, fsys *hostfs.FS, w *want) (*plan, error) {
	conn := fsys.Conn
	p := &plan{w: w, real: w.path}
	// One command asks about the path, its directory and the owner and
	// group: one round trip.
	fsys.WillLookUp(w.attrs.Lookups()...)
	if err := fsys.Prefetch(ctx, w.path, false); err != nil {
		return nil, err
	}
	fi, err := fsys.Lstat(ctx, w.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fi = nil
	case err != nil:
		return nil, err
	}
	// file, touch and directory follow a symlink to what it names.
	if fi != nil && fi.Mode&fs.ModeSymlink != 0 && w.state != "link" && w.state != "absent" {
		if fi, err = fsys.Stat(ctx, w.path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is a dangling symbolic link", w.path)
		} else if err != nil {
			return nil, err
		}
		if p.real, err = fsys.RealPath(ctx, w.path); err != nil {
			return nil, err
		}
	}
	p.fi = fi
	typ := "absent"
	if fi != nil {
		typ = fi.Type()
	}
	stateItem := func(after string) {
		p.diff = p.diff.Add(module.DiffItem{Name: "state", Before: typ, After: after})
	}

	switch w.state {
	case "absent":
		if fi != nil {
			p.remove = true
			stateItem("absent")
		}
		return p, nil
	case "file", "touch":
		switch {
		case fi == nil && w.state == "file":
			return nil, module.NotYet(fmt.Errorf(`%s does not exist; state = "file" only sets the attributes of an existing file (use state = "touch" to create an empty one, or the copy module)`, w.path))
		case fi == nil:
			p.create = true
			stateItem("file")
		case !fi.Mode.IsRegular():
			return nil, fmt.Errorf("%s exists and is a %s, not a file", w.path, typ)
		}
	case "directory":
		switch {
		case fi == nil:
			p.create = true
			stateItem("directory")
		case !fi.IsDir():
			return nil, fmt.Errorf("%s exists and is a %s, not a directory", w.path, typ)
		}
	case "link":
		switch {
		case fi == nil:
			p.create = true
			stateItem("link")
			p.diff = p.diff.Add(module.DiffItem{Name: "target", BeforeAbsent: true, After: w.src})
		case fi.Mode&fs.ModeSymlink != 0:
			if fi.LinkTarget != w.src {
				p.relink = true
				p.diff = p.diff.Add(module.DiffItem{Name: "target", Before: fi.LinkTarget, After: w.src})
			}
		case fi.IsDir():
			return nil, fmt.Errorf("%s is a directory; a link cannot replace it", w.path)
		case !w.force:
			return nil, fmt.Errorf("%s exists and is a %s; set force = true to replace it with a link", w.path, typ)
		default:
			p.relink = true
			stateItem("link")
			p.diff = p.diff.Add(module.DiffItem{Name: "target", BeforeAbsent: true, After: w.src})
		}
	}

	if p.create || (w.state == "link" && p.relink && fi.Mode&fs.ModeSymlink == 0) {
		if p.create {
			if err := parentExists(ctx, fsys, w); err != nil {
				return nil, err
			}
		}
		p.attrs = newAttrs(w.attrs)
	} else if fi != nil {
		p.attrs = filediff.AttrDiff(fi, w.attrs)
	}
	for _, it := range p.attrs {
		p.diff = p.diff.Add(it)
	}
	if w.recurse && fi != nil {
		if fi.Planned {
			return nil, fmt.Errorf("what is in %s is known only once the tasks before this one have made it", w.path)
		}
		if p.inside, err = differsInside(ctx, conn, w); err != nil {
			return nil, err
		}
		if p.inside != "" {
			p.diff = p.diff.Add(module.DiffItem{Name: "owner (recursive)", Before: "differs, e.g. " + p.inside, After: ownerGroup(w.attrs)})
		}
	}
	if len(p.attrs) > 0 || p.inside != "" {
		if err := filediff.CheckOwners(ctx, fsys, nil, w.attrs); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parentExists: a directory is made with its parents (mkdir -p); a file
// or a link needs its directory.
func parentExists(ctx context.Context, fsys *hostfs.FS, w *want) error {
	if w.state == "directory" {
		return nil
	}
	return filediff.CheckParent(ctx, fsys, w.path)
}

func newAttrs(a filediff.Attrs) []module.DiffItem {
	var items []module.DiffItem
	if a.Owner != "" {
		items = append(items, module.DiffItem{Name: "owner", BeforeAbsent: true, After: a.Owner})
	}
	if a.Group != "" {
		items = append(items, module.DiffItem{Name: "group", BeforeAbsent: true, After: a.Group})
	}
	if a.Mode != nil {
		items = append(items, module.DiffItem{Name: "mode", BeforeAbsent: true, After: filediff.FormatMode(*a.Mode)})
	}
	return items
}

// planned is what the change leaves at the path, as facts for the plans
// after it (a check): the directories mkdir -p makes, the new file or
// link, the new owner, group or mode, or the path gone.
func (p *plan) planned(ctx context.Context, fsys *hostfs.FS) ([]module.Fact, error) {
	w := p.w
	st := hostfs.Planned{Kind: kind(w.state), Owner: w.attrs.Owner, Group: w.attrs.Group, UID: -1, GID: -1}
	if w.attrs.Mode != nil {
		st.Mode, st.ModeSet = *w.attrs.Mode, true
	}
	switch {
	case p.remove:
		return []module.Fact{fsys.PlanAbsent(w.path)}, nil
	case p.create && w.state == "directory":
		facts, err := fsys.PlanMissingDirs(ctx, w.path)
		if err != nil {
			return nil, err
		}
		st.Fresh = true
		return append(facts, fsys.Plan(w.path, st)), nil
	case p.create && w.state == "touch":
		if !st.ModeSet {
			st.Mode, st.ModeSet = filediff.DefaultMode, true
		}
		st.Content = []byte{}
		return []module.Fact{fsys.Plan(w.path, st)}, nil
	case p.create || p.relink:
		st.Target = w.src
		return []module.Fact{fsys.Plan(w.path, st)}, nil
	case w.recurse && p.inside != "":
		// The owners of everything inside change: facts cannot say it.
		return nil, nil
	}
	// Owner, group or mode of what is there.
	fi := p.fi
	st.Kind = fi.Type()
	st.KeepContent = st.Kind == "file"
	if !st.ModeSet {
		st.Mode, st.ModeSet = filediff.FromUnix(filediff.Unix(fi.Mode)), true
	}
	if st.Owner == "" {
		st.Owner, st.UID = fi.Owner, fi.UID
	}
	if st.Group == "" {
		st.Group, st.GID = fi.Group, fi.GID
	}
	if st.Kind == "link" {
		st.Target = fi.LinkTarget
	}
	return []module.Fact{fsys.Plan(p.real, st)}, nil
}

func (p *plan) reason() string {
	w := p.w
	switch {
	case !p.changed() && w.state == "absent":
		return w.path + " does not exist"
	case !p.changed():
		return fmt.Sprintf("%s is a %s as asked", w.path, kind(w.state))
	case p.remove:
		return "would remove " + w.path
	case p.create:
		return fmt.Sprintf("would create %s %s", kind(w.state), w.path)
	case p.relink:
		return fmt.Sprintf("would point %s to %s", w.path, w.src)
	}
	var what []string
	for _, it := range p.attrs {
		what = append(what, it.Name)
	}
	if p.inside != "" {
		what = append(what, "owner of what is inside")
	}
	return "would set " + strings.Join(what, ", ") + " of " + w.path
}

// kind is what a state makes of the path: touch makes a file.
func kind(state string) string {
	if state == "touch" {
		return "file"
	}
	return state
}

func (p *plan) outputs(changed bool) cty.Value {
	state := kind(p.w.state)
	return cty.ObjectVal(map[string]cty.Value{
		"path":    cty.StringVal(p.w.path),
		"state":   cty.StringVal(state),
		"changed": cty.BoolVal(changed),
	})
}

// Plan looks at the path and says what would change.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	w, err := readWant(req.Args)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	fsys := hostfs.For(&req.Request)
	p, err := look(ctx, fsys, w)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if !p.changed() {
		return &module.PlanResponse{Action: module.NoOp, Reason: p.reason(), Outputs: p.outputs(false)}
	}
	planned, err := p.planned(ctx, fsys)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	return &module.PlanResponse{Action: module.Change, Reason: p.reason(), Diff: p.diff, Private: p,
		Outputs: p.outputs(true), Planned: planned}
}

// Apply makes the change the plan found; called without a plan, it
// looks first.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	fail := func(err error) *module.ApplyResponse {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	var p *plan
	if req.Planned != nil {
		p, _ = req.Planned.Private.(*plan)
	}
	if p == nil {
		w, err := readWant(req.Args)
		if err != nil {
			return fail(err)
		}
		if p, err = look(ctx, hostfs.New(req.Conn, nil), w); err != nil {
			return fail(err)
		}
	}
	if !p.changed() {
		return &module.ApplyResponse{Outputs: p.outputs(false)}
	}
	if err := p.apply(ctx, req.Conn); err != nil {
		return fail(err)
	}
	return &module.ApplyResponse{Changed: true, Outputs: p.outputs(true)}
}
