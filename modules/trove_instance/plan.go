package troveinstance

import (
	"context"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/mgmt"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

type planned struct {
	p        *params
	inst     *instances.Instance // the instance acted on (nil for create)
	waitOnly bool                // create: it exists, only wait for it
}

func waitStatus(p *params) string {
	if p.wait.Status == "" {
		return "HEALTHY"
	}
	return p.wait.Status
}

func client(ctx context.Context, req *module.Request) (*gophercloud.ServiceClient, error) {
	cloud, err := openstack.ConnectFor(ctx, req)
	if err != nil {
		return nil, err
	}
	return cloud.Database()
}

// Plan reads the instance(s) and says what Apply would do; it never writes.
func (Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	p, err := parse(req.Args)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	sc, err := client(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if p.action == "list" {
		vals, err := list(ctx, &req.Request, sc, p)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("%d instance(s)", len(vals)), Outputs: outputsOf(cty.NullVal(troveops.InstanceType), vals)}
	}

	var inst *instances.Instance
	if p.action == "rebuild" && p.id != "" {
		// Rebuild is an admin action on any project's instance: read it
		// through the management API too.
		inst, err = mgmt.GetInstance(ctx, sc, p.id).Extract()
		if openstack.IsNotFound(err) {
			inst, err = nil, nil
		}
		err = openstack.Wrap("reading Trove instance "+p.id+" (management API)", err)
	} else {
		inst, err = troveops.Find(ctx, sc, p.id, p.name)
	}
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	pl := &planned{p: p, inst: inst}
	noop := func(reason string) *module.PlanResponse {
		return &module.PlanResponse{Action: module.NoOp, Reason: reason, Outputs: outputs(inst, nil)}
	}
	change := func(reason string, diff *module.Diff) *module.PlanResponse {
		return &module.PlanResponse{Action: module.Change, Reason: reason, Diff: diff, Private: pl}
	}
	if inst == nil {
		switch p.action {
		case "create":
			return change(createReason(p), createDiff(p, req.IsSensitive("users")))
		case "delete":
			return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("no Trove instance %s", p.label()), Outputs: cty.NullVal(outputsType)}
		}
		return &module.PlanResponse{Err: module.NotYet(fmt.Errorf("no Trove instance %s", p.label()))}
	}
	who := troveops.Describe(inst)
	switch p.action {
	case "create":
		switch {
		case inst.Status == "ERROR":
			fault := "no fault message"
			if inst.Fault != nil && inst.Fault.Message != "" {
				fault = inst.Fault.Message
			}
			return &module.PlanResponse{Err: fmt.Errorf("instance %s exists but is in ERROR (%s): delete it or choose another name", who, fault)}
		case p.waitEnabled && !troveops.Ready(inst, p.wait.Status):
			// A previous run created it and stopped waiting: wait now.
			pl.waitOnly = true
			return change(fmt.Sprintf("instance %s exists (%s): wait until it is %s", who, inst.Status, waitStatus(p)), nil)
		}
		return noop(fmt.Sprintf("instance %s exists (%s)", who, inst.Status))
	case "find":
		return noop(fmt.Sprintf("instance %s is %s", who, inst.Status))
	case "contents":
		dbs, us, err := contents(ctx, sc, inst.ID)
		if err != nil {
			return &module.PlanResponse{Err: err}
		}
		return &module.PlanResponse{Action: module.NoOp, Outputs: withContents(outputs(inst, nil), dbs, us),
			Reason: fmt.Sprintf("instance %s: %d database(s), %d user(s)", who, len(dbs), len(us))}
	case "upgrade":
		if inst.Datastore.Version == p.datastoreVersion {
			return noop(fmt.Sprintf("instance %s is on %s %s", who, inst.Datastore.Type, inst.Datastore.Version))
		}
		return change(fmt.Sprintf("upgrade instance %s from %s to %s", who, inst.Datastore.Version, p.datastoreVersion),
			(&module.Diff{}).Add(module.DiffItem{Name: "datastore_version", Before: inst.Datastore.Version, After: p.datastoreVersion}))
	case "rebuild":
		// A server that already runs the image needs no rebuild: a second
		// run of an upgrade rebuilds nothing.
		img, err := serverImage(ctx, &req.Request, sc, inst.ID)
		if err == nil && img == p.rebuild {
			return noop(fmt.Sprintf("instance %s already runs image %s", who, img))
		}
		runs := "it runs " + orNone(img)
		if err != nil {
			// No Nova to ask (Trove's fake mode) or it would not say:
			// rebuild, and say why this could not be skipped.
			runs = "its server's image could not be read: " + err.Error()
		}
		return change(fmt.Sprintf("rebuild instance %s from image %s (%s)", who, p.rebuild, runs),
			(&module.Diff{}).Add(module.DiffItem{Name: "guest image", Before: orNone(img), After: p.rebuild}))
	case "restart":
		return change(fmt.Sprintf("restart instance %s", who), nil)
	case "delete":
		if !p.confirm {
			return &module.PlanResponse{Err: fmt.Errorf("refusing to delete Trove instance %s without confirm = true", who)}
		}
		return change(fmt.Sprintf("delete instance %s", who),
			(&module.Diff{}).Add(module.DiffItem{Name: "instance " + inst.Name, Before: inst.ID + " " + inst.Status, AfterAbsent: true}))
	}
	return &module.PlanResponse{Err: fmt.Errorf("action %q not handled", p.action)}
}

func createReason(p *params) string {
	r := fmt.Sprintf("no instance %q: create it", p.name)
	if p.backup != "" {
		r = fmt.Sprintf("no instance %q: restore it from backup %s", p.name, p.backup)
	}
	return r
}

func createDiff(p *params, usersSensitive bool) *module.Diff {
	after := fmt.Sprintf("flavor %s, %d GB", p.flavor, p.volumeSize)
	if p.datastore != "" || p.datastoreVersion != "" {
		after += fmt.Sprintf(", %s %s", p.datastore, p.datastoreVersion)
	}
	if p.backup != "" {
		after += ", from backup " + p.backup
	}
	d := (&module.Diff{}).Add(module.DiffItem{Name: "instance " + p.name, BeforeAbsent: true, After: after})
	for _, u := range p.users {
		// Names only: passwords never leave the module.
		d.Add(module.DiffItem{Name: "user " + u.name, BeforeAbsent: true, After: "(password set)", Sensitive: usersSensitive})
	}
	return d
}

// outputs renders one instance (or none) as the module's outputs.
func outputs(inst *instances.Instance, list []instances.Instance) cty.Value {
	if inst != nil && list == nil {
		list = []instances.Instance{*inst}
	}
	one := cty.NullVal(troveops.InstanceType)
	if inst != nil {
		one = troveops.InstanceVal(inst)
	}
	vals := make([]cty.Value, len(list))
	for k := range list {
		vals[k] = troveops.InstanceVal(&list[k])
	}
	return outputsOf(one, vals)
}

// outputsOf renders one instance (null for none) and a list of rendered
// instances.
func outputsOf(one cty.Value, list []cty.Value) cty.Value {
	l := cty.ListValEmpty(troveops.InstanceType)
	if len(list) > 0 {
		l = cty.ListVal(list)
	}
	attrs := map[string]cty.Value{"instances": l,
		"databases": cty.NullVal(cty.List(cty.String)), "users": cty.NullVal(cty.List(cty.String))}
	for name, ty := range troveops.InstanceType.AttributeTypes() {
		if one.IsNull() {
			attrs[name] = cty.NullVal(ty)
		} else {
			attrs[name] = one.GetAttr(name)
		}
	}
	return cty.ObjectVal(attrs)
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// list returns the instances that match p's filters, rendered: the
// project's (public API), or every project's with server and image
// (all_projects: management API and Nova, admin).
func list(ctx context.Context, req *module.Request, sc *gophercloud.ServiceClient, p *params) ([]cty.Value, error) {
	match := func(i *instances.Instance) bool {
		return (p.name == "" || i.Name == p.name) &&
			(p.datastoreVersion == "" || i.Datastore.Version == p.datastoreVersion) &&
			(p.datastore == "" || i.Datastore.Type == p.datastore) &&
			(len(p.status) == 0 || slices.Contains(p.status, i.Status))
	}
	var out []cty.Value
	if !p.allProjects {
		all, err := troveops.List(ctx, sc)
		if err != nil {
			return nil, err
		}
		for k := range all {
			if match(&all[k]) {
				out = append(out, troveops.InstanceVal(&all[k]))
			}
		}
		return out, nil
	}
	all, err := troveops.MgmtList(ctx, sc)
	if err != nil {
		return nil, err
	}
	images, err := serverImages(ctx, req)
	if err != nil {
		return nil, err
	}
	for k := range all {
		if match(&all[k].Instance) {
			out = append(out, troveops.MgmtInstanceVal(&all[k], images[all[k].ServerID]))
		}
	}
	return out, nil
}

func computeClient(ctx context.Context, req *module.Request) (*gophercloud.ServiceClient, error) {
	cloud, err := openstack.ConnectFor(ctx, req)
	if err != nil {
		return nil, err
	}
	return cloud.Compute()
}

func serverImages(ctx context.Context, req *module.Request) (map[string]string, error) {
	cc, err := computeClient(ctx, req)
	if err != nil {
		return nil, err
	}
	return troveops.ServerImages(ctx, cc)
}

// serverImage is the image the server of instance id runs (management API
// for the server, Nova for its image).
func serverImage(ctx context.Context, req *module.Request, sc *gophercloud.ServiceClient, id string) (string, error) {
	m, err := mgmt.GetInstance(ctx, sc, id).ExtractMgmt()
	if err != nil {
		return "", openstack.Wrap("reading Trove instance "+id+" (management API)", err)
	}
	if m.ServerID == "" {
		return "", nil
	}
	cc, err := computeClient(ctx, req)
	if err != nil {
		return "", err
	}
	return troveops.ServerImage(ctx, cc, m.ServerID)
}
