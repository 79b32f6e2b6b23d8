package ini

import (
	"context"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// edit is what the module would do to one file.
type edit struct {
	change *filediff.Change
	items  []module.DiffItem // one per option that changes
}

// compute reads the file through req.Conn, edits a copy in memory and
// compares. It never writes.
func compute(ctx context.Context, req *module.Request) (*edit, error) {
	return computeOn(ctx, req, hostfs.For(req))
}

// computeOn is compute reading the file through fsys.
func computeOn(ctx context.Context, req *module.Request, fsys *hostfs.FS) (*edit, error) {
	a, err := readArgs(req.Args)
	if err != nil {
		return nil, err
	}
	fsys.WillLookUp(a.attrs.Lookups()...)
	cur, err := filediff.Read(ctx, fsys, a.path, true)
	if err != nil {
		return nil, err
	}
	if !cur.Exists() {
		if !a.create {
			return nil, module.NotYet(fmt.Errorf("%s does not exist (set create = true to create it)", a.path))
		}
		if err := filediff.CheckParent(ctx, fsys, cur.Real); err != nil {
			return nil, err
		}
	}
	f, err := parse(cur.Real, cur.Content)
	if err != nil {
		return nil, err
	}
	orig := f
	e := &edit{}
	for _, key := range sortedKeys(a.values) {
		want := a.values[key]
		before := values(orig.find(a.section, key))
		var changed bool
		if f, changed, err = f.set(cur.Real, a.section, key, want); err != nil {
			return nil, err
		}
		if changed {
			e.items = append(e.items, optionItem(req, a.section, key, before, want, false))
		}
	}
	for _, key := range a.absent {
		before := values(orig.find(a.section, key))
		var changed bool
		if f, changed, err = f.remove(cur.Real, a.section, key); err != nil {
			return nil, err
		}
		if changed {
			e.items = append(e.items, optionItem(req, a.section, key, before, nil, true))
		}
	}
	e.change = filediff.Compare(cur, f.bytes(), a.attrs, true)
	if e.change.Changed() {
		if err := filediff.CheckOwners(ctx, fsys, cur.Info, a.attrs); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func optionItem(req *module.Request, sectionName, key string, before, after []string, removed bool) module.DiffItem {
	it := module.DiffItem{
		Name:         "[" + sectionName + "] " + key,
		BeforeAbsent: len(before) == 0,
		AfterAbsent:  removed,
		Sensitive:    sensitive(req, key),
	}
	if !it.BeforeAbsent {
		it.Before = show(before)
	}
	if !removed {
		it.After = show(after)
	}
	if !it.BeforeAbsent && !removed && it.Before == it.After {
		it.Sensitive = true // only a password inside a URL changes
	}
	if it.Sensitive {
		it.Before, it.After = "", ""
	}
	return it
}

// diff lists the file's creation, the options and the attributes.
func (e *edit) diff() *module.Diff {
	ch := e.change
	if !ch.Changed() {
		return nil
	}
	var d *module.Diff
	if !ch.Cur.Exists() {
		d = d.Add(module.DiffItem{Name: "file", BeforeAbsent: true, After: ch.Cur.Path})
	}
	for _, it := range e.items {
		d = d.Add(it)
	}
	for _, it := range ch.AttrItems {
		d = d.Add(it)
	}
	return d
}

func (e *edit) reason() string {
	ch := e.change
	if !ch.Changed() {
		return ch.Cur.Path + " already has these options"
	}
	var what []string
	for _, it := range e.items {
		what = append(what, it.Name)
	}
	for _, it := range ch.AttrItems {
		what = append(what, it.Name)
	}
	verb := "would update "
	if !ch.Cur.Exists() {
		verb = "would create "
	}
	return verb + ch.Cur.Path + ": " + strings.Join(what, ", ")
}

func outputs(path string, changed bool, backup string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":    cty.StringVal(path),
		"changed": cty.BoolVal(changed),
		"backup":  cty.StringVal(backup),
	})
}

// plannedOutputs are the outputs known before Apply.
func plannedOutputs(ch *filediff.Change) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":    cty.StringVal(ch.Cur.Path),
		"changed": cty.True,
		"backup":  ch.PlannedBackup(),
	})
}

// Plan reads the file and says which options would change.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	e, err := compute(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if !e.change.Changed() {
		return &module.PlanResponse{Action: module.NoOp, Reason: e.reason(), Outputs: outputs(e.change.Cur.Path, false, "")}
	}
	return &module.PlanResponse{Action: module.Change, Reason: e.reason(), Diff: e.diff(), Private: e,
		Outputs: plannedOutputs(e.change), Planned: e.change.Planned(hostfs.For(&req.Request))}
}

// Apply writes what the plan computed; called without a plan, it reads
// and edits the file first.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	e, _ := planned(req).(*edit)
	var err error
	if e == nil {
		e, err = compute(ctx, &req.Request)
	}
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	if !e.change.Changed() {
		return &module.ApplyResponse{Outputs: outputs(e.change.Cur.Path, false, "")}
	}
	backup, err := e.change.Apply(ctx, req.Conn)
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	return &module.ApplyResponse{Changed: true, Outputs: outputs(e.change.Cur.Path, true, backup), Diff: e.diff()}
}

func planned(req *module.ApplyRequest) any {
	if req.Planned == nil {
		return nil
	}
	return req.Planned.Private
}
