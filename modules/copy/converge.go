package copy

import (
	"context"
	"path"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Converge writes Content in a run (module.Converger): where dest does
// not exist yet, the write runs in the probe's command
// (filediff.PrefetchFirstWrite); otherwise it plans from the probe's
// answers and writes as Apply does. name, when not empty, is the file's
// name for a dest that is a directory on the host (copy's src).
func (t *Target) Converge(ctx context.Context, req *module.Request, name string) *module.ConvergeResponse {
	fail := func(changed bool, diff *module.Diff, err error) *module.ConvergeResponse {
		return &module.ConvergeResponse{Action: module.Change, Changed: changed, Diff: diff, Outputs: cty.NullVal(Outputs), Err: err}
	}
	var (
		res   *transport.Result
		tried bool
	)
	if path.IsAbs(t.Dest) && !strings.HasSuffix(t.Dest, "/") && req.View == nil {
		var fsys *hostfs.FS
		var err error
		fsys, res, tried, err = filediff.PrefetchFirstWrite(ctx, req.Conn, t.Dest, t.Attrs.Lookups(), func(h *hostfs.FS) (*filediff.Change, error) {
			ht := *t
			ht.fsys = h
			return ht.compare(ctx, req)
		})
		if err != nil {
			return fail(false, nil, err)
		}
		t.fsys = fsys
	}
	if !tried {
		t.fsys = hostfs.New(req.Conn, req.View)
		t.fsys.WillLookUp(t.Attrs.Lookups()...)
	}
	if res == nil && name != "" {
		// Where the file goes, as the plan finds it.
		if path.IsAbs(t.Dest) && !strings.HasSuffix(t.Dest, "/") {
			if err := t.fsys.Prefetch(ctx, t.Dest, len(t.Content) <= hostfs.MaxProbeContent); err != nil {
				return fail(false, nil, err)
			}
		}
		dest, err := intoDir(ctx, t.fsys, t.Dest, name)
		if err != nil {
			return fail(false, nil, err)
		}
		t.Dest = dest
	}
	// The plan, from what the probe brought.
	ch, err := t.compare(ctx, req)
	if err != nil {
		return fail(res != nil && res.RC == 0, nil, err)
	}
	if res == nil && !ch.Changed() {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: ch.Reason(), Outputs: t.outputs(false, "")}
	}
	changed, backup, err := filediff.Converged(ctx, req.Conn, ch, res)
	if err != nil {
		return fail(changed, ch.Diff(), err)
	}
	return &module.ConvergeResponse{Action: module.Change, Changed: true, Diff: ch.Diff(), Outputs: t.outputs(true, backup)}
}

// Converge writes the file in a run, in one command where it is new.
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	content, name, err := source(&req.Request)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Outputs: cty.NullVal(Outputs), Err: err}
	}
	t := ReadTarget(req.Args)
	t.Content = content
	t.Sensitive = req.IsSensitive("content")
	return t.Converge(ctx, &req.Request, name)
}
