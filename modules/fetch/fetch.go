// Package fetch is the fetch module: it copies a file from the task's host
// to the control node, like Ansible's fetch. The host side is read through
// the host's transport.Conn (stat, sha256sum, Download); the control-node
// side is this process's own file system.
package fetch

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Name is the module's block name in a task.
const Name = "fetch"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module fetches host files to the control node.
type Module struct{}

// New returns the fetch module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

// Outputs is the type of the module's outputs.
var Outputs = cty.Object(map[string]cty.Type{
	"dest":     cty.String,
	"checksum": cty.String,
	"changed":  cty.Bool,
})

// Schema: src, dest, flat.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args: hcldec.ObjectSpec{
			"src":  &hcldec.AttrSpec{Name: "src", Type: cty.String, Required: true},
			"dest": &hcldec.AttrSpec{Name: "dest", Type: cty.String, Required: true},
			"flat": &hcldec.AttrSpec{Name: "flat", Type: cty.Bool},
		},
		Rules: []module.Rule{
			module.Formatted("src", module.AbsPath),
			module.Formatted("dest", module.NonEmpty),
		},
		Outputs: Outputs,
		Summary: "Copy a file from the host to the control node (no-op when the local copy has the same sha256)",
		Doc:     doc,
		Example: example,
	}
}

// fetch is what the module found.
type fetch struct {
	src, dest string
	remoteSum string
	size      int64
	localSum  string // "" when there is no local file
	localSize int64
	localMode fs.FileMode
	// unknown: a check, and what the host's file will hold is known only
	// after a task before this one has run (there is no local copy).
	unknown bool
}

// localPath is where the file goes on the control node: with flat, dest
// itself (or dest/NAME when dest ends in "/"); without, dest/HOST/SRC as
// Ansible lays it out, so files of many hosts do not collide.
func localPath(src, dest, host string, flat bool) (string, error) {
	if dest == "" {
		return "", errors.New("dest is empty")
	}
	if flat {
		if strings.HasSuffix(dest, "/") {
			return filepath.Join(dest, path.Base(src)), nil
		}
		return dest, nil
	}
	if host == "" || strings.ContainsAny(host, "/\x00") || host == "." || host == ".." {
		return "", fmt.Errorf("host name %q cannot be a directory name; use flat = true", host)
	}
	return filepath.Join(dest, host, filepath.FromSlash(strings.TrimPrefix(path.Clean(src), "/"))), nil
}

func look(ctx context.Context, req *module.Request) (*fetch, error) {
	f := &fetch{src: req.Args.GetAttr("src").AsString()}
	flat := false
	if v := req.Args.GetAttr("flat"); !v.IsNull() {
		flat = v.True()
	}
	if !path.IsAbs(f.src) {
		return nil, fmt.Errorf("src %q must be an absolute path on the host", f.src)
	}
	var err error
	if f.dest, err = localPath(f.src, req.LocalPath(req.Args.GetAttr("dest").AsString()), req.Host.Name, flat); err != nil {
		return nil, err
	}
	fsys := hostfs.For(req)
	fi, err := fsys.Stat(ctx, f.src)
	var unknown *hostfs.UnknownError
	switch {
	case errors.As(err, &unknown):
		// A task before this one will put something there (a check):
		// with no local copy yet, fetching it is a change whatever it
		// holds; with one, whether they differ is known only then.
		if _, lerr := os.Lstat(f.dest); errors.Is(lerr, fs.ErrNotExist) {
			f.unknown = true
			return f, nil
		}
		return nil, err
	case errors.Is(err, fs.ErrNotExist):
		return nil, module.NotYet(fmt.Errorf("%s does not exist on host %s", f.src, req.Host.Name))
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, fmt.Errorf("%s is a directory on host %s; fetch fetches one file", f.src, req.Host.Name)
	}
	f.size = fi.Size
	if f.remoteSum, err = fsys.Checksum(ctx, f.src); err != nil {
		return nil, err
	}
	lfi, err := os.Stat(f.dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("dest: %w", err)
	case lfi.IsDir():
		return nil, fmt.Errorf("dest %s is a directory (with flat = true, end dest with / to fetch into it)", f.dest)
	}
	f.localSize, f.localMode = lfi.Size(), lfi.Mode().Perm()
	if f.localSum, err = localChecksum(f.dest); err != nil {
		return nil, fmt.Errorf("dest: %w", err)
	}
	return f, nil
}

func localChecksum(p string) (string, error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (f *fetch) outputs(changed bool) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"dest":     cty.StringVal(f.dest),
		"checksum": cty.StringVal(f.remoteSum),
		"changed":  cty.BoolVal(changed),
	})
}

// Plan compares the sha256 of the host's file (computed on the host) with
// the local copy's.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	f, err := look(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if f.unknown {
		item := module.DiffItem{Name: "control node file " + f.dest, BeforeAbsent: true, After: "(known after apply)"}
		return &module.PlanResponse{Action: module.Change, Reason: "would fetch " + f.src + " to " + f.dest + " (what it holds is known after apply)",
			Diff: (*module.Diff)(nil).Add(item), Outputs: cty.ObjectVal(map[string]cty.Value{
				"dest": cty.StringVal(f.dest), "checksum": cty.UnknownVal(cty.String), "changed": cty.True,
			})}
	}
	if f.localSum == f.remoteSum {
		return &module.PlanResponse{Action: module.NoOp, Reason: f.dest + " is up to date", Outputs: f.outputs(false)}
	}
	after := fmt.Sprintf("(%d bytes, sha256 %s)", f.size, f.remoteSum[:16])
	item := module.DiffItem{Name: "control node file " + f.dest, After: after}
	reason := "would fetch " + f.src + " to " + f.dest
	if f.localSum == "" {
		item.BeforeAbsent = true
	} else {
		item.Before = fmt.Sprintf("(%d bytes, sha256 %s)", f.localSize, f.localSum[:16])
		reason = "would replace " + f.dest + " with " + f.src
	}
	return &module.PlanResponse{Action: module.Change, Reason: reason, Diff: (*module.Diff)(nil).Add(item), Private: f}
}

// Apply downloads the file next to the local destination and renames it
// into place once its sha256 checks out.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	fail := func(err error) *module.ApplyResponse {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	var f *fetch
	if req.Planned != nil {
		f, _ = req.Planned.Private.(*fetch)
	}
	if f != nil && f.unknown {
		f = nil // planned without knowing the file: look now
	}
	if f == nil {
		var err error
		if f, err = look(ctx, &req.Request); err != nil {
			return fail(err)
		}
	}
	if f.localSum == f.remoteSum {
		return &module.ApplyResponse{Outputs: f.outputs(false)}
	}
	if err := f.download(ctx, req); err != nil {
		return fail(err)
	}
	return &module.ApplyResponse{Changed: true, Outputs: f.outputs(true)}
}

func (f *fetch) download(ctx context.Context, req *module.ApplyRequest) (err error) {
	if err := os.MkdirAll(filepath.Dir(f.dest), 0o755); err != nil {
		return fmt.Errorf("dest: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.dest), "."+filepath.Base(f.dest)+".runbook-*")
	if err != nil {
		return fmt.Errorf("dest: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if err = req.Conn.Download(ctx, f.src, io.MultiWriter(tmp, h)); err != nil {
		return fmt.Errorf("fetching %s: %w", f.src, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.remoteSum {
		// The file changed while it was read: fetch what it is now.
		f.remoteSum = got
	}
	mode := fs.FileMode(0o600) // fetched files are often configs with secrets
	if f.localSum != "" {
		mode = f.localMode
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("dest: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("dest: %w", err)
	}
	if err = os.Rename(tmp.Name(), f.dest); err != nil {
		return fmt.Errorf("dest: %w", err)
	}
	return nil
}
