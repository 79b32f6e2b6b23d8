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
// not exist yet, the write runs in the probe's command (one round trip for
// the command, one for the content: hostfs.PrefetchThen); otherwise it
// plans from the probe's answers and writes as Apply does. name, when not
// empty, is the file's name for a dest that is a directory on the host
// (copy's src).
func (t *Target) Converge(ctx context.Context, req *module.Request, name string) *module.ConvergeResponse {
	fail := func(changed bool, diff *module.Diff, err error) *module.ConvergeResponse {
		return &module.ConvergeResponse{Action: module.Change, Changed: changed, Diff: diff, Outputs: cty.NullVal(Outputs), Err: err}
	}
	// The write a plan would make where dest does not exist.
	var then *hostfs.Replay
	if path.IsAbs(t.Dest) && !strings.HasSuffix(t.Dest, "/") && req.View == nil {
		ht := *t
		ht.fsys = hostfs.Hypothetical(t.Dest, t.Attrs.Lookups())
		if hch, err := ht.compare(ctx, req); err == nil && hch.Changed() && !hch.Cur.Exists() {
			rec := &hostfs.Replay{}
			if _, err := hch.Apply(ctx, rec); err == nil {
				then = rec
			}
		}
	}
	t.fsys = hostfs.New(req.Conn, req.View)
	t.fsys.WillLookUp(t.Attrs.Lookups()...)
	var res *transport.Result
	if then != nil {
		r, err := t.fsys.PrefetchThen(ctx, t.Dest, len(t.Content) <= hostfs.MaxProbeContent, then.Cmd)
		if err != nil {
			return fail(false, nil, err)
		}
		res = r
	} else if name != "" {
		// Where the file goes, as the plan finds it.
		if path.IsAbs(t.Dest) && !strings.HasSuffix(t.Dest, "/") {
			if err := t.fsys.Prefetch(ctx, t.Dest, len(t.Content) <= hostfs.MaxProbeContent); err != nil {
				return fail(false, nil, err)
			}
		}
	}
	if res == nil && name != "" {
		dest, err := intoDir(ctx, t.fsys, t.Dest, name)
		if err != nil {
			return fail(false, nil, err)
		}
		t.Dest = dest
	}
	// The plan, from what the probe brought.
	ch, err := t.compare(ctx, req)
	if res != nil {
		if err == nil && (!ch.Changed() || ch.Cur.Exists()) {
			err = &hostfs.NotHypothetical{Path: t.Dest}
		}
		if err != nil {
			return fail(res.RC == 0, nil, err)
		}
		backup, err := ch.Apply(ctx, &hostfs.Replay{Result: res})
		if err != nil {
			return fail(false, ch.Diff(), err)
		}
		return &module.ConvergeResponse{Action: module.Change, Changed: true, Diff: ch.Diff(), Outputs: t.outputs(true, backup)}
	}
	if err != nil {
		return fail(false, nil, err)
	}
	return t.converged(ctx, req, ch)
}

// converged applies a change the plan found, as Apply does.
func (t *Target) converged(ctx context.Context, req *module.Request, ch *filediff.Change) *module.ConvergeResponse {
	if !ch.Changed() {
		return &module.ConvergeResponse{Action: module.NoOp, Reason: ch.Reason(), Outputs: t.outputs(false, "")}
	}
	backup, err := ch.Apply(ctx, req.Conn)
	if err != nil {
		return &module.ConvergeResponse{Action: module.Change, Diff: ch.Diff(), Outputs: cty.NullVal(Outputs), Err: err}
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
