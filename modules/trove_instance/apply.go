package troveinstance

import (
	"context"
	"errors"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	gcdb "github.com/gophercloud/gophercloud/v2/openstack/db/v1/databases"
	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"
	gcusers "github.com/gophercloud/gophercloud/v2/openstack/db/v1/users"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/mgmt"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

// Apply makes the planned change and waits for it to settle.
func (Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	pl, ok := req.Planned.Private.(*planned)
	if !ok {
		return &module.ApplyResponse{Err: errors.New("trove_instance: apply without a plan")}
	}
	p := pl.p
	sc, err := client(ctx, &req.Request)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	p.wait.Say = func(line string) {
		if req.Output != nil {
			req.Output("stdout", line)
		}
	}
	get := func(sc *gophercloud.ServiceClient, id string) func(context.Context) (*instances.Instance, error) {
		return func(ctx context.Context) (*instances.Instance, error) {
			i, err := instances.Get(ctx, sc, id).Extract()
			return i, openstack.Wrap("reading Trove instance "+id, err)
		}
	}
	done := func(inst *instances.Instance, err error) *module.ApplyResponse {
		r := &module.ApplyResponse{Changed: true, Err: err}
		if inst != nil {
			r.Outputs = outputs(inst, nil)
		}
		return r
	}
	settle := func(inst *instances.Instance, get func(context.Context) (*instances.Instance, error), w troveops.Wait) *module.ApplyResponse {
		if !p.waitEnabled {
			i, err := get(ctx)
			if err != nil {
				return done(inst, err)
			}
			return done(i, nil)
		}
		i, err := troveops.WaitInstance(ctx, troveops.Describe(inst), get, w)
		if i == nil {
			i = inst
		}
		return done(i, err)
	}

	switch p.action {
	case "create":
		if pl.waitOnly {
			r := settle(pl.inst, get(sc, pl.inst.ID), p.wait)
			r.Changed = false
			return r
		}
		inst, adopted, err := create(ctx, sc, p)
		if err != nil {
			return &module.ApplyResponse{Err: openstack.Redact(err, p.passwords()...)}
		}
		if adopted {
			p.wait.Say(fmt.Sprintf("instance %s was created after all (%s): waiting for it, not creating another", troveops.Describe(inst), inst.Status))
		} else {
			p.wait.Say(fmt.Sprintf("instance %s created (%s)", troveops.Describe(inst), inst.Status))
		}
		return settle(inst, get(sc, inst.ID), p.wait)

	case "upgrade":
		inst := pl.inst
		err := instances.Upgrade(ctx, sc, inst.ID, instances.UpgradeOpts{DatastoreVersion: p.datastoreVersion}).ExtractErr()
		if err != nil {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("upgrading Trove instance %s to %s", troveops.Describe(inst), p.datastoreVersion), err)}
		}
		w := p.wait
		w.Transition = true
		w.Accept = func(i *instances.Instance) bool { return i.Datastore.Version == p.datastoreVersion }
		return settle(inst, get(sc, inst.ID), w)

	case "rebuild":
		inst := pl.inst
		err := mgmt.Rebuild(ctx, sc, inst.ID, mgmt.RebuildOpts{ImageID: p.rebuild}).ExtractErr()
		if err != nil {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("rebuilding Trove instance %s from image %s", troveops.Describe(inst), p.rebuild), err)}
		}
		w := p.wait
		w.Transition = true
		// The management API sees the instance whatever project it is in.
		return settle(inst, func(ctx context.Context) (*instances.Instance, error) {
			i, err := mgmt.GetInstance(ctx, sc, inst.ID).Extract()
			return i, openstack.Wrap("reading Trove instance "+inst.ID+" (management API)", err)
		}, w)

	case "restart":
		inst := pl.inst
		if err := gcinstances.Restart(ctx, sc, inst.ID).ExtractErr(); err != nil {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("restarting Trove instance %s", troveops.Describe(inst)), err)}
		}
		w := p.wait
		w.Transition = true
		return settle(inst, get(sc, inst.ID), w)

	case "delete":
		inst := pl.inst
		if !p.confirm {
			return &module.ApplyResponse{Err: fmt.Errorf("refusing to delete Trove instance %s without confirm = true", troveops.Describe(inst))}
		}
		if err := gcinstances.Delete(ctx, sc, inst.ID).ExtractErr(); err != nil && !openstack.IsNotFound(err) {
			return &module.ApplyResponse{Err: openstack.Wrap(fmt.Sprintf("deleting Trove instance %s", troveops.Describe(inst)), err)}
		}
		gone := *inst
		gone.Status = "DELETED"
		if !p.waitEnabled {
			return done(&gone, nil)
		}
		err := troveops.WaitGone(ctx, troveops.Describe(inst), p.wait.Timeout, func(ctx context.Context) (*instances.Instance, error) {
			return instances.Get(ctx, sc, inst.ID).Extract()
		}, p.wait.Say)
		return done(&gone, err)
	}
	return &module.ApplyResponse{Err: fmt.Errorf("trove_instance: nothing to apply for action %q", p.action)}
}

func createOpts(p *params) instances.CreateOpts {
	o := instances.CreateOpts{CreateOpts: gcinstances.CreateOpts{
		Name: p.name, FlavorRef: p.flavor, Size: p.volumeSize, VolumeType: p.volumeType,
		AvailabilityZone: p.availabilityZone, Configuration: p.configuration,
	}}
	if p.datastore != "" || p.datastoreVersion != "" {
		o.Datastore = &gcinstances.DatastoreOpts{Type: p.datastore, Version: p.datastoreVersion}
	}
	if len(p.databases) > 0 {
		var dbs gcdb.BatchCreateOpts
		for _, d := range p.databases {
			dbs = append(dbs, gcdb.CreateOpts{Name: d})
		}
		o.Databases = dbs
	}
	if len(p.users) > 0 {
		var us gcusers.BatchCreateOpts
		for _, u := range p.users {
			var dbs gcdb.BatchCreateOpts
			for _, d := range u.databases {
				dbs = append(dbs, gcdb.CreateOpts{Name: d})
			}
			us = append(us, gcusers.CreateOpts{Name: u.name, Password: u.password, Host: u.host, Databases: dbs})
		}
		o.Users = us
	}
	for _, n := range p.networks {
		o.Networks = append(o.Networks, gcinstances.NetworkOpts{UUID: n})
	}
	if p.backup != "" {
		o.RestorePoint = &instances.RestorePoint{BackupRef: p.backup}
	}
	o.Access = p.access
	return o
}
