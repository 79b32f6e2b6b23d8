// Package copy is the copy module: it puts a file on the task's host, from
// a string (content) or from a file on the control node (src), replacing
// the old one atomically, with owner, group, mode and an optional backup.
//
// It also owns what the copy and template modules share (Target): the
// destination arguments and the plan and apply of "this host file must
// hold these bytes". How the bytes are made is each module's business.
package copy

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Name is the module's block name in a task.
const Name = "copy"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module copies content or a control-node file to the host.
type Module struct{}

// New returns the copy module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Schema: content or src, plus the destination arguments.
func (*Module) Schema() *module.Schema {
	args := TargetArgs()
	args["content"] = &hcldec.AttrSpec{Name: "content", Type: cty.String}
	args["src"] = &hcldec.AttrSpec{Name: "src", Type: cty.String}
	return &module.Schema{
		Args:    args,
		Rules:   append(TargetRules(), module.ExactlyOneOf("content", "src")),
		Outputs: Outputs,
		Summary: "Put a file on the host from content or a control-node file: atomic replace, owner/group/mode, backup, unified diff",
		Doc:     doc,
		Example: example,
	}
}

// source returns the bytes to copy and the name of their file (for a
// destination that is a directory), or an error that names the problem.
func source(req *module.Request) ([]byte, string, error) {
	args := req.Args
	content, src := args.GetAttr("content"), args.GetAttr("src")
	switch { // the rules let exactly one of them through
	case !content.IsNull():
		return []byte(content.AsString()), "", nil
	case !src.IsNull():
		b, err := ReadLocal(req.LocalPath(src.AsString()))
		return b, filepath.Base(src.AsString()), err
	}
	return nil, "", errors.New("give content (the file's text) or src (a file on the control node)")
}

// ReadLocal reads a file of the control node (resolve relative paths with
// module.Request.LocalPath first: they are relative to the runbook folder).
func ReadLocal(p string) ([]byte, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, module.NotYet(fmt.Errorf("src: %w", err)) // an earlier task (fetch) may make it
	}
	if err != nil {
		return nil, fmt.Errorf("src: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("src %s is a directory; copy copies one file", p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("src: %w", err)
	}
	return b, nil
}

func (m *Module) target(ctx context.Context, req *module.Request, planned *module.PlanResponse) (*Target, error) {
	content, name, err := source(req)
	if err != nil {
		return nil, err
	}
	t := ReadTarget(req.Args)
	t.Content = content
	t.Sensitive = req.IsSensitive("content")
	if planned != nil {
		if ch, ok := planned.Private.(*filediff.Change); ok {
			t.Dest = ch.Cur.Path // the plan found where the file goes
			return t, nil
		}
	}
	// One FS for the look at dest and the plan's: one probe, which brings
	// the content and the owners' lookups too.
	t.fsys = hostfs.For(req)
	t.fsys.WillLookUp(t.Attrs.Lookups()...)
	if path.IsAbs(t.Dest) && !strings.HasSuffix(t.Dest, "/") {
		if err := t.fsys.Prefetch(ctx, t.Dest, len(content) <= hostfs.MaxProbeContent); err != nil {
			return nil, err
		}
	}
	if t.Dest, err = intoDir(ctx, t.fsys, t.Dest, name); err != nil {
		return nil, err
	}
	return t, nil
}

// intoDir puts a file named name into dest when dest ends in "/" or is a
// directory on the host, as Ansible's copy does.
func intoDir(ctx context.Context, fsys *hostfs.FS, dest, name string) (string, error) {
	dirLike := strings.HasSuffix(dest, "/")
	if !dirLike && path.IsAbs(dest) {
		fi, err := fsys.Stat(ctx, dest)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		dirLike = err == nil && fi.IsDir()
	}
	if !dirLike {
		return dest, nil
	}
	if name == "" {
		return "", fmt.Errorf("dest %s is a directory: name the file (content has no file name)", dest)
	}
	return path.Join(dest, name), nil
}

// Plan compares the host's file with the content.
func (m *Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	t, err := m.target(ctx, &req.Request, nil)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	return t.Plan(ctx, &req.Request)
}

// Apply writes the file when it differs.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	t, err := m.target(ctx, &req.Request, req.Planned)
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	return t.Apply(ctx, &req.Request, req.Planned)
}
