package lineinfile

import (
	"context"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// compute reads the file and edits a copy in memory. A nil change means
// there is nothing to do because the file does not exist and the line is
// to be absent.
func compute(ctx context.Context, req *module.Request) (*filediff.Change, *want, error) {
	return computeOn(ctx, req, hostfs.For(req))
}

// computeOn is compute reading the file through fsys.
func computeOn(ctx context.Context, req *module.Request, fsys *hostfs.FS) (*filediff.Change, *want, error) {
	w, err := readWant(req)
	if err != nil {
		return nil, nil, err
	}
	fsys.WillLookUp(w.attrs.Lookups()...)
	cur, err := filediff.Read(ctx, fsys, w.path, true)
	if err != nil {
		return nil, nil, err
	}
	if !cur.Exists() {
		switch {
		case w.absent:
			return nil, w, nil
		case !w.create:
			return nil, nil, module.NotYet(fmt.Errorf("%s does not exist (set create = true to create it)", w.path))
		}
		if err := filediff.CheckParent(ctx, fsys, cur.Real); err != nil {
			return nil, nil, err
		}
	}
	t := split(cur.Content)
	if w.absent {
		w.absentLines(t)
	} else {
		w.present(t)
	}
	ch := filediff.Compare(cur, t.bytes(), w.attrs, req.IsSensitive("line"))
	if ch.Changed() {
		if err := filediff.CheckOwners(ctx, fsys, cur.Info, w.attrs); err != nil {
			return nil, nil, err
		}
	}
	return ch, w, nil
}

func outputs(path string, changed bool, backup string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":    cty.StringVal(path),
		"changed": cty.BoolVal(changed),
		"backup":  cty.StringVal(backup),
	})
}

// plannedOutputs are the outputs known before Apply.
func plannedOutputs(path string, ch *filediff.Change) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":    cty.StringVal(path),
		"changed": cty.True,
		"backup":  ch.PlannedBackup(),
	})
}

func reason(ch *filediff.Change, w *want) string {
	switch {
	case ch == nil:
		return w.path + " does not exist"
	case !ch.Changed() && w.absent:
		return w.path + " has no such line"
	case !ch.Changed():
		return w.path + " already has the line"
	case !ch.ContentChanged:
		return ch.Reason()
	case w.absent:
		return "would remove lines from " + w.path
	case !ch.Cur.Exists():
		return "would create " + w.path + " with the line"
	}
	return "would put the line in " + w.path
}

// Plan reads the file and says whether the line would change it.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	ch, w, err := compute(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if ch == nil || !ch.Changed() {
		return &module.PlanResponse{Action: module.NoOp, Reason: reason(ch, w), Outputs: outputs(w.path, false, "")}
	}
	return &module.PlanResponse{Action: module.Change, Reason: reason(ch, w), Diff: ch.Diff(), Private: &planned{ch, w},
		Outputs: plannedOutputs(w.path, ch), Planned: ch.Planned(hostfs.For(&req.Request))}
}

// planned is what Apply reuses from the plan.
type planned struct {
	ch *filediff.Change
	w  *want
}

// Apply writes what the plan computed; called without a plan, it reads
// and edits the file first.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	var (
		ch  *filediff.Change
		w   *want
		err error
	)
	if req.Planned != nil {
		if p, ok := req.Planned.Private.(*planned); ok {
			ch, w = p.ch, p.w
		}
	}
	if w == nil {
		ch, w, err = compute(ctx, &req.Request)
	}
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	if ch == nil || !ch.Changed() {
		return &module.ApplyResponse{Outputs: outputs(w.path, false, "")}
	}
	backup, err := ch.Apply(ctx, req.Conn)
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	return &module.ApplyResponse{Changed: true, Outputs: outputs(w.path, true, backup)}
}
