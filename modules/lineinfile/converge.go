package lineinfile

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Converge puts the line in a run (module.Converger): where the file is
// to be created (create = true) and does not exist yet, the plan's read
// and the write are one command (filediff.FirstWrite, hostfs.PrefetchThen);
// otherwise the plan reads the file from that command's answers and the
// write follows as Apply's.
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	w, err := readWant(&req.Request)
	if err != nil || !w.create || w.absent || req.View != nil {
		return module.ConvergeByPlan(ctx, m, req)
	}
	fsys, res, ok, err := filediff.PrefetchFirstWrite(ctx, req.Conn, w.path, w.attrs.Lookups(), func(fsys *hostfs.FS) (*filediff.Change, error) {
		ch, _, err := computeOn(ctx, &req.Request, fsys)
		return ch, err
	})
	if !ok {
		return module.ConvergeByPlan(ctx, m, req)
	}
	fail := func(changed bool, diff *module.Diff, err error) *module.ConvergeResponse {
		return &module.ConvergeResponse{Action: module.Change, Changed: changed, Diff: diff, Outputs: cty.NullVal(Outputs), Err: err}
	}
	if err != nil {
		return fail(false, nil, err)
	}
	ch, w, err := computeOn(ctx, &req.Request, fsys)
	if err != nil {
		return fail(res != nil && res.RC == 0, nil, err)
	}
	if res == nil && (ch == nil || !ch.Changed()) {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: reason(ch, w), Outputs: outputs(w.path, false, "")}
	}
	changed, backup, err := filediff.Converged(ctx, req.Conn, ch, res)
	var diff *module.Diff
	if ch != nil {
		diff = ch.Diff()
	}
	if err != nil {
		return fail(changed, diff, err)
	}
	return &module.ConvergeResponse{Action: module.Change, Changed: true, Diff: diff, Outputs: outputs(w.path, true, backup)}
}
