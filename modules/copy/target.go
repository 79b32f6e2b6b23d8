package copy

import (
	"context"
	"fmt"
	"path"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Outputs is the outputs type of the copy and template modules.
var Outputs = cty.Object(map[string]cty.Type{
	"path":     cty.String,
	"checksum": cty.String,
	"backup":   cty.String,
	"changed":  cty.Bool,
})

// TargetArgs returns the arguments the copy and template modules share:
// dest (required), owner, group, mode and backup.
func TargetArgs() hcldec.ObjectSpec {
	args := filediff.AttrArgs(true)
	args["dest"] = &hcldec.AttrSpec{Name: "dest", Type: cty.String, Required: true}
	return args
}

// Target is "the host file Dest must hold Content".
type Target struct {
	Dest      string
	Content   []byte
	Attrs     filediff.Attrs
	Sensitive bool // hide the content in the diff

	fsys *hostfs.FS // the FS to read the host through; nil: a new one
}

// fs is the FS the target reads the host through: one per plan, so that
// every question about dest is one probe.
func (t *Target) fs(req *module.Request) *hostfs.FS {
	if t.fsys == nil {
		t.fsys = hostfs.For(req)
	}
	return t.fsys
}

// TargetRules are the checks of TargetArgs.
func TargetRules() []module.Rule {
	return append(filediff.AttrRules(true), module.Formatted("dest", module.AbsPath))
}

// ReadTarget reads the arguments of TargetArgs; the caller sets Content
// and Sensitive.
func ReadTarget(args cty.Value) *Target {
	return &Target{Dest: args.GetAttr("dest").AsString(), Attrs: filediff.ReadAttrs(args)}
}

func (t *Target) compare(ctx context.Context, req *module.Request) (*filediff.Change, error) {
	if !path.IsAbs(t.Dest) {
		return nil, fmt.Errorf("dest %q must be an absolute path", t.Dest)
	}
	fsys := t.fs(req)
	fsys.WillLookUp(t.Attrs.Lookups()...)
	cur, err := filediff.ReadFor(ctx, fsys, t.Dest, t.Content)
	if err != nil {
		return nil, err
	}
	if !cur.Exists() {
		if err := filediff.CheckParent(ctx, fsys, cur.Real); err != nil {
			return nil, err
		}
	}
	ch := filediff.Compare(cur, t.Content, t.Attrs, t.Sensitive)
	if ch.Changed() {
		if err := filediff.CheckOwners(ctx, fsys, cur.Info, t.Attrs); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

func (t *Target) outputs(changed bool, backup string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":     cty.StringVal(t.Dest),
		"checksum": cty.StringVal(filediff.Checksum(t.Content)),
		"backup":   cty.StringVal(backup),
		"changed":  cty.BoolVal(changed),
	})
}

// Plan reads the host's file and says what writing Content would change.
// plannedOutputs are the outputs known before Apply.
func (t *Target) plannedOutputs(ch *filediff.Change) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":     cty.StringVal(t.Dest),
		"checksum": cty.StringVal(filediff.Checksum(t.Content)),
		"backup":   ch.PlannedBackup(),
		"changed":  cty.True,
	})
}

func (t *Target) Plan(ctx context.Context, req *module.Request) *module.PlanResponse {
	ch, err := t.compare(ctx, req)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if !ch.Changed() {
		return &module.PlanResponse{Action: module.NoOp, Reason: ch.Reason(), Outputs: t.outputs(false, "")}
	}
	return &module.PlanResponse{Action: module.Change, Reason: ch.Reason(), Diff: ch.Diff(), Private: ch,
		Outputs: t.plannedOutputs(ch), Planned: ch.Planned(t.fs(req))}
}

// Apply writes the file as planned (planned may be nil: then it looks
// first).
func (t *Target) Apply(ctx context.Context, req *module.Request, planned *module.PlanResponse) *module.ApplyResponse {
	var ch *filediff.Change
	if planned != nil {
		ch, _ = planned.Private.(*filediff.Change)
	}
	var err error
	if ch == nil {
		ch, err = t.compare(ctx, req)
	}
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	if !ch.Changed() {
		return &module.ApplyResponse{Outputs: t.outputs(false, "")}
	}
	backup, err := ch.Apply(ctx, req.Conn)
	if err != nil {
		return &module.ApplyResponse{Outputs: cty.NullVal(Outputs), Err: err}
	}
	return &module.ApplyResponse{Changed: true, Outputs: t.outputs(true, backup)}
}
