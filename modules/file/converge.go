package file

import (
	"github.com/zclconf/go-cty/cty"

	"context"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Converge makes a run's first creation of a directory, an empty file or
// a link one command (module.Converger): the plan for a path that does not
// exist yet runs in the probe's command when the host is that case
// (hostfs.PrefetchThen); otherwise the module plans from the probe's
// answers and applies as usual. state = "absent" and "file", which create
// nothing, plan and apply.
func (m *Module) Converge(ctx context.Context, req *module.ConvergeRequest) *module.ConvergeResponse {
	w, err := readWant(req.Args)
	if err != nil || w.state == "absent" || w.state == "file" || req.View != nil {
		return module.ConvergeByPlan(ctx, m, req)
	}
	// What the apply would run on a host where the path does not exist.
	hp, err := look(ctx, hostfs.Hypothetical(w.path, w.attrs.Lookups()), w)
	if err != nil || !hp.create {
		return module.ConvergeByPlan(ctx, m, req)
	}
	rec := &hostfs.Replay{}
	if err := hp.apply(ctx, rec); err != nil {
		return module.ConvergeByPlan(ctx, m, req)
	}
	fsys := hostfs.New(req.Conn, nil)
	fsys.WillLookUp(w.attrs.Lookups()...)
	res, err := fsys.PrefetchThen(ctx, w.path, false, rec.Cmd)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Err: err}
	}
	// The plan, from the answers the probe brought (no round trip).
	p, perr := look(ctx, fsys, w)
	if res != nil {
		// The host was the hypothetical case and the command ran: its
		// result, read by the apply code that made it.
		if perr == nil && !p.create {
			perr = &hostfs.NotHypothetical{Path: w.path}
		}
		if perr != nil {
			return &module.ConvergeResponse{Action: module.Change, Changed: res.RC == 0, Err: perr}
		}
		if err := hp.apply(ctx, &hostfs.Replay{Result: res}); err != nil {
			return &module.ConvergeResponse{Action: module.Change, Diff: p.diff, Outputs: cty.NullVal(Outputs), Err: err}
		}
		return &module.ConvergeResponse{Action: module.Change, Changed: true, Outputs: p.outputs(true), Diff: p.diff}
	}
	if perr != nil {
		return &module.ConvergeResponse{Action: module.Change, Err: perr}
	}
	if !p.changed() {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: p.reason(), Outputs: p.outputs(false)}
	}
	if err := p.apply(ctx, req.Conn); err != nil {
		return &module.ConvergeResponse{Action: module.Change, Diff: p.diff, Outputs: cty.NullVal(Outputs), Err: err}
	}
	return &module.ConvergeResponse{Action: module.Change, Changed: true, Outputs: p.outputs(true), Diff: p.diff}
}
