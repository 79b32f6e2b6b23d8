package ini

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Converge sets the options in a run (module.Converger): where the file
// is to be created (create = true) and does not exist yet, the plan's read
// and the write are one command (filediff.FirstWrite, hostfs.PrefetchThen);
// otherwise the plan reads the file from that command's answers and the
// write follows as Apply's.
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	a, err := readArgs(req.Args)
	if err != nil || !a.create || req.View != nil {
		return module.ConvergeByPlan(ctx, m, req)
	}
	fsys, res, ok, err := filediff.PrefetchFirstWrite(ctx, req.Conn, a.path, a.attrs.Lookups(), func(fsys *hostfs.FS) (*filediff.Change, error) {
		e, err := computeOn(ctx, &req.Request, fsys)
		if err != nil {
			return nil, err
		}
		return e.change, nil
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
	e, err := computeOn(ctx, &req.Request, fsys)
	if err != nil {
		return fail(res != nil && res.RC == 0, nil, err)
	}
	if res == nil && !e.change.Changed() {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: e.reason(), Outputs: outputs(e.change.Cur.Path, false, "")}
	}
	changed, backup, err := filediff.Converged(ctx, req.Conn, e.change, res)
	if err != nil {
		return fail(changed, e.diff(), err)
	}
	return &module.ConvergeResponse{Action: module.Change, Changed: true, Diff: e.diff(), Outputs: outputs(e.change.Cur.Path, true, backup)}
}
