package trovebackup_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	gcinstances "github.com/gophercloud/gophercloud/v2/openstack/db/v1/instances"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/labenv"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/backups"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
	trovebackup "github.com/runbook-dev/runbook/modules/trove_backup"
	troveinstance "github.com/runbook-dev/runbook/modules/trove_instance"
)

// TestLabBackupAndRestore: instance -> backup COMPLETED -> restore into a
// new instance from it -> delete the backup; plans change nothing.
func TestLabBackupAndRestore(t *testing.T) {
	e := labenv.OpenStack(t)
	openstack.Forget()
	ctx := context.Background()
	c, err := openstack.Connect(ctx, openstack.Params{Cloud: e["LAB_TROVE_CLOUD_DEMO"]})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.Database()
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("rbt-bk-%d", os.Getpid())
	t.Cleanup(func() {
		all, _ := troveops.List(ctx, sc)
		for _, i := range all {
			if strings.HasPrefix(i.Name, prefix) {
				gcinstances.Delete(ctx, sc, i.ID)
			}
		}
	})
	snapshot := func() []string {
		all, err := troveops.List(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		pages, err := backups.List(sc, nil).AllPages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bs, _ := backups.ExtractBackups(pages)
		var out []string
		for _, i := range all {
			if strings.HasPrefix(i.Name, prefix) {
				out = append(out, "instance "+i.ID+" "+i.Status)
			}
		}
		for _, b := range bs {
			if strings.HasPrefix(b.Name, prefix) {
				out = append(out, "backup "+b.ID+" "+b.Status)
			}
		}
		slices.Sort(out)
		return out
	}
	say := func(_, l string) { t.Log(l) }
	im, bm := troveinstance.New(), trovebackup.New()
	run := func(m module.Module, src string) (*module.PlanResponse, *module.ApplyResponse) {
		t.Helper()
		r := moduletest.Request(moduletest.Args(t, m, fmt.Sprintf("cloud = %q\n", e["LAB_TROVE_CLOUD_DEMO"])+src), nil, "")
		r.Output = say
		before := snapshot()
		p := moduletest.Plan(t, m, r)
		if after := snapshot(); !slices.Equal(before, after) {
			t.Fatalf("Plan changed something:\n%v\n%v", before, after)
		}
		if p.Err != nil || p.Action == module.NoOp {
			return p, nil
		}
		a := m.Apply(ctx, &module.ApplyRequest{Request: r, Planned: p})
		return p, a
	}
	inst := fmt.Sprintf("name = %q\nflavor = %q\nvolume_size = 1\ndatastore = %q\ndatastore_version = %q\nwait = { timeout = \"3m\" }\n",
		prefix+"-src", e["LAB_FLAVOR_ID"], e["LAB_DATASTORE"], e["LAB_DATASTORE_VERSION"])
	if _, a := run(im, inst); a == nil || a.Err != nil {
		t.Fatalf("create source: %+v", a)
	}

	bk := fmt.Sprintf("instance = %q\nname = %q\ndescription = \"runbook lab test\"\nwait = { timeout = \"3m\" }\n", prefix+"-src", prefix+"-b1")
	p, a := run(bm, bk)
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("backup: %v %v %+v", p.Action, p.Err, a)
	}
	out := a.Outputs
	bid := out.GetAttr("id").AsString()
	if out.GetAttr("status").AsString() != "COMPLETED" || out.GetAttr("location").AsString() == "" {
		t.Errorf("backup outputs %#v", out)
	}
	if p, _ := run(bm, bk); p.Action != module.NoOp || p.Outputs.GetAttr("id").AsString() != bid {
		t.Fatalf("backup again: %v %s", p.Action, p.Reason)
	}
	if p, _ := run(bm, fmt.Sprintf("action = \"list\"\ninstance = %q\n", prefix+"-src")); p.Err != nil || p.Outputs.GetAttr("backups").LengthInt() != 1 {
		t.Fatalf("list: %v", p.Err)
	}

	// Restore into a new instance from the backup.
	restore := strings.Replace(inst, prefix+"-src", prefix+"-restored", 1) + fmt.Sprintf("backup = %q\n", bid)
	p, a = run(im, restore)
	if p.Action != module.Change || !strings.Contains(p.Reason, "restore it from backup "+bid) || a == nil || a.Err != nil {
		t.Fatalf("restore: %v %s %+v", p.Action, p.Reason, a)
	}
	if st := a.Outputs.GetAttr("status").AsString(); st != "ACTIVE" && st != "HEALTHY" {
		t.Errorf("restored instance %s", st)
	}

	// Delete the backup: refused without confirm, then gone.
	del := fmt.Sprintf("action = \"delete\"\nid = %q\n", bid)
	if p, _ := run(bm, del); p.Err == nil || !strings.Contains(p.Err.Error(), "confirm = true") {
		t.Fatalf("delete without confirm: %v", p.Err)
	}
	if p, a := run(bm, del+"confirm = true\n"); p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("delete: %v %v %+v", p.Action, p.Err, a)
	}
	if p, _ := run(bm, del+"confirm = true\n"); p.Action != module.NoOp {
		t.Fatalf("delete again: %v", p.Action)
	}
}
