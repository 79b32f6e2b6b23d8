package trovebackup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/backups"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

type params struct {
	action, instance, name, id, description, parent string
	incremental                                     *bool
	timeout                                         time.Duration
	wait, confirm                                   bool
}

func parse(args cty.Value) (*params, error) {
	p := &params{
		action:      openstack.Str(args, "action"),
		instance:    openstack.Str(args, "instance"),
		name:        openstack.Str(args, "name"),
		id:          openstack.Str(args, "id"),
		description: openstack.Str(args, "description"),
		parent:      openstack.Str(args, "parent"),
		confirm:     openstack.Bool(args, "confirm", false),
	}
	if v := args.GetAttr("incremental"); !v.IsNull() {
		b := v.True()
		p.incremental = &b
	}
	w := args.GetAttr("wait")
	var err error
	if p.timeout, err = openstack.Duration(w, "timeout", 30*time.Minute); err != nil {
		return nil, fmt.Errorf("wait: %w", err)
	}
	p.wait = openstack.Bool(w, "enabled", true)
	if p.action == "" {
		p.action = "create"
	}
	switch p.action {
	case "create":
		if p.instance == "" || p.name == "" {
			return nil, fmt.Errorf("action = \"create\" needs instance and name")
		}
	case "find", "delete":
		if p.id == "" && p.name == "" {
			return nil, fmt.Errorf("action = %q needs id or name", p.action)
		}
	case "list":
	default:
		return nil, fmt.Errorf("action = %q: must be create, list, find or delete", p.action)
	}
	return p, nil
}

type planned struct {
	p      *params
	inst   *instances.Instance
	backup *backups.Backup
}

func client(ctx context.Context, req *module.Request) (*gophercloud.ServiceClient, error) {
	cloud, err := openstack.ConnectFor(ctx, req)
	if err != nil {
		return nil, err
	}
	return cloud.Database()
}

func list(ctx context.Context, sc *gophercloud.ServiceClient, instanceID string) ([]backups.Backup, error) {
	pages, err := backups.List(sc, backups.ListOpts{InstanceID: instanceID}).AllPages(ctx)
	if err != nil {
		what := "listing Trove backups"
		if instanceID != "" {
			what += " of instance " + instanceID
		}
		return nil, openstack.Wrap(what, err)
	}
	return backups.ExtractBackups(pages)
}

// Plan reads the instance and its backups; it never writes.
func (Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	p, err := parse(req.Args)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	sc, err := client(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	var inst *instances.Instance
	if p.instance != "" {
		inst, err = troveops.Find(ctx, sc, idIfUUID(p.instance), p.instance)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		if inst == nil && (p.action == "create" || p.action == "list") {
			return &module.PlanResponse{Err: module.NotYet(fmt.Errorf("no Trove instance %q", p.instance))}
		}
	}
	instID := ""
	if inst != nil {
		instID = inst.ID
	}
	if p.action == "list" {
		bs, err := list(ctx, sc, instID)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("%d backup(s)", len(bs)), Outputs: outputs(nil, bs)}
	}

	// The backup the task is about, by id or by name.
	var b *backups.Backup
	if p.id != "" {
		b, err = backups.Get(ctx, sc, p.id).Extract()
		if openstack.IsNotFound(err) {
			b, err = nil, nil
		}
		if err != nil {
			return &module.PlanResponse{Err: openstack.Wrap("reading Trove backup "+p.id, err)}
		}
	} else {
		bs, err := list(ctx, sc, instID)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		var named []backups.Backup
		for _, x := range bs {
			if x.Name == p.name && (p.action != "create" || x.Status != "FAILED") {
				named = append(named, x)
			}
		}
		if len(named) > 1 && p.action != "create" {
			return &module.PlanResponse{Err: fmt.Errorf("%d Trove backups are named %q: name one by id", len(named), p.name)}
		}
		if len(named) > 0 {
			b = &named[0]
		}
	}
	pl := &planned{p: p, inst: inst, backup: b}
	switch p.action {
	case "create":
		if b != nil {
			return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("backup %q (%s) of instance %s exists (%s)", b.Name, b.ID, troveops.Describe(inst), b.Status), Outputs: outputs(b, nil)}
		}
		return &module.PlanResponse{Action: module.Change, Reason: fmt.Sprintf("back up instance %s as %q", troveops.Describe(inst), p.name),
			Diff: (&module.Diff{}).Add(module.DiffItem{Name: "backup " + p.name, BeforeAbsent: true, After: "of instance " + inst.Name}), Private: pl}
	case "find":
		if b == nil {
			return &module.PlanResponse{Err: module.NotYet(fmt.Errorf("no Trove backup %s", label(p)))}
		}
		return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("backup %q (%s) is %s", b.Name, b.ID, b.Status), Outputs: outputs(b, nil)}
	case "delete":
		if b == nil {
			return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("no Trove backup %s", label(p)), Outputs: cty.NullVal(outputsType)}
		}
		if !p.confirm {
			return &module.PlanResponse{Err: fmt.Errorf("refusing to delete Trove backup %q (%s) without confirm = true", b.Name, b.ID)}
		}
		return &module.PlanResponse{Action: module.Change, Reason: fmt.Sprintf("delete backup %q (%s)", b.Name, b.ID),
			Diff: (&module.Diff{}).Add(module.DiffItem{Name: "backup " + b.Name, Before: b.ID + " " + b.Status, AfterAbsent: true}), Private: pl}
	}
	return &module.PlanResponse{Err: fmt.Errorf("action %q not handled", p.action)}
}

func label(p *params) string {
	if p.id != "" {
		return p.id
	}
	return fmt.Sprintf("%q", p.name)
}

// idIfUUID lets instance be an id or a name: a value shaped like a UUID is
// taken as an id, anything else as a name.
func idIfUUID(s string) string {
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		return s
	}
	return ""
}

// Apply creates or deletes the backup and waits.
func (Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	pl, ok := req.Planned.Private.(*planned)
	if !ok {
		return &module.ApplyResponse{Err: errors.New("trove_backup: apply without a plan")}
	}
	p := pl.p
	sc, err := client(ctx, &req.Request)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	say := func(line string) {
		if req.Output != nil {
			req.Output("stdout", line)
		}
	}
	switch p.action {
	case "delete":
		b := pl.backup
		if !p.confirm {
			return &module.ApplyResponse{Err: fmt.Errorf("refusing to delete Trove backup %q (%s) without confirm = true", b.Name, b.ID)}
		}
		if err := backups.Delete(ctx, sc, b.ID).ExtractErr(); err != nil && !openstack.IsNotFound(err) {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("deleting Trove backup %q (%s)", b.Name, b.ID), err)}
		}
		gone := *b
		gone.Status = "DELETED"
		if p.wait {
			err = openstack.Poll(ctx, fmt.Sprintf("Trove backup %s to be deleted", b.ID), p.timeout, openstack.DefaultBackoff,
				func(ctx context.Context) (string, bool, error) {
					got, err := backups.Get(ctx, sc, b.ID).Extract()
					if openstack.IsNotFound(err) {
						return "DELETED", true, nil
					}
					if err != nil {
						return "", false, openstack.Wrap("reading Trove backup "+b.ID, err)
					}
					if got.Status == "DELETE_FAILED" {
						return got.Status, false, fmt.Errorf("deleting Trove backup %q (%s): it went to DELETE_FAILED", b.Name, b.ID)
					}
					return got.Status, false, nil
				}, func(s string) { say(fmt.Sprintf("backup %s: %s", b.ID, s)) })
		}
		return &module.ApplyResponse{Changed: true, Outputs: outputs(&gone, nil), Err: err}
	case "create":
		inst := pl.inst
		b, err := backups.Create(ctx, sc, backups.CreateOpts{Name: p.name, Instance: inst.ID, Description: p.description, ParentID: p.parent, Incremental: p.incremental}).Extract()
		if err != nil {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("backing up Trove instance %s", troveops.Describe(inst)), err)}
		}
		say(fmt.Sprintf("backup %q (%s) of instance %s started (%s)", b.Name, b.ID, troveops.Describe(inst), b.Status))
		if !p.wait {
			return &module.ApplyResponse{Changed: true, Outputs: outputs(b, nil)}
		}
		last := b
		err = openstack.Poll(ctx, fmt.Sprintf("Trove backup %q (%s) to complete", b.Name, b.ID), p.timeout, openstack.DefaultBackoff,
			func(ctx context.Context) (string, bool, error) {
				got, err := backups.Get(ctx, sc, b.ID).Extract()
				if err != nil {
					return "", false, openstack.Wrap("reading Trove backup "+b.ID, err)
				}
				last = got
				switch got.Status {
				case "COMPLETED":
					return got.Status, true, nil
				case "FAILED":
					return got.Status, false, failed(ctx, sc, got, inst)
				}
				return got.Status, false, nil
			}, func(s string) { say(fmt.Sprintf("backup %s: %s", b.ID, s)) })
		if err != nil {
			return &module.ApplyResponse{Changed: true, Outputs: outputs(last, nil), Err: err}
		}
		// The instance is in BACKUP meanwhile; the next task wants it back.
		_, err = troveops.WaitInstance(ctx, troveops.Describe(inst), func(ctx context.Context) (*instances.Instance, error) {
			i, err := instances.Get(ctx, sc, inst.ID).Extract()
			return i, openstack.Wrap("reading Trove instance "+inst.ID, err)
		}, troveops.Wait{Status: "ACTIVE", Timeout: p.timeout, Say: say})
		return &module.ApplyResponse{Changed: true, Outputs: outputs(last, nil), Err: err}
	}
	return &module.ApplyResponse{Err: fmt.Errorf("trove_backup: nothing to apply for action %q", p.action)}
}

// failed describes a FAILED backup: Trove keeps no reason on the backup
// itself, so the instance's fault (when it has one) is the reason shown.
func failed(ctx context.Context, sc *gophercloud.ServiceClient, b *backups.Backup, inst *instances.Instance) error {
	msg := fmt.Sprintf("Trove backup %q (%s) of instance %s FAILED", b.Name, b.ID, troveops.Describe(inst))
	if i, err := instances.Get(ctx, sc, inst.ID).Extract(); err == nil && i.Fault != nil && i.Fault.Message != "" {
		msg += ": " + i.Fault.Message
	} else {
		msg += " (Trove gives no reason on the backup; see the guest agent log of the instance)"
	}
	return errors.New(msg)
}

func backupVal(b *backups.Backup) cty.Value {
	ds := cty.ObjectVal(map[string]cty.Value{"type": cty.StringVal(""), "version": cty.StringVal("")})
	if b.Datastore != nil {
		ds = cty.ObjectVal(map[string]cty.Value{"type": cty.StringVal(b.Datastore.Type), "version": cty.StringVal(b.Datastore.Version)})
	}
	created := ""
	if !b.Created.IsZero() {
		created = b.Created.UTC().Format(time.RFC3339)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"id":          cty.StringVal(b.ID),
		"name":        cty.StringVal(b.Name),
		"status":      cty.StringVal(b.Status),
		"size":        cty.NumberFloatVal(b.Size),
		"location":    cty.StringVal(b.LocationRef),
		"instance_id": cty.StringVal(b.InstanceID),
		"datastore":   ds,
		"created":     cty.StringVal(created),
	})
}

func outputs(b *backups.Backup, list []backups.Backup) cty.Value {
	if b != nil && list == nil {
		list = []backups.Backup{*b}
	}
	slices.SortFunc(list, func(x, y backups.Backup) int { return y.Created.Compare(x.Created) })
	vals := make([]cty.Value, len(list))
	for i := range list {
		vals[i] = backupVal(&list[i])
	}
	l := cty.ListValEmpty(backupType)
	if len(vals) > 0 {
		l = cty.ListVal(vals)
	}
	attrs := map[string]cty.Value{"backups": l}
	for k, ty := range backupType.AttributeTypes() {
		if b == nil {
			attrs[k] = cty.NullVal(ty)
		} else {
			attrs[k] = backupVal(b).GetAttr(k)
		}
	}
	return cty.ObjectVal(attrs)
}
