package trovedatastore_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/labenv"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/mgmt"
	trovedatastore "github.com/runbook-dev/runbook/modules/trove_datastore"
)

func TestLabReadAndVersion(t *testing.T) {
	e := labenv.OpenStack(t)
	openstack.Forget()
	m := trovedatastore.New()
	labReq := func(cloud, src string) module.Request {
		return moduletest.Request(moduletest.Args(t, m, fmt.Sprintf("cloud = %q\n", cloud)+src), nil, "")
	}
	// As demo: versions without image ids.
	p := moduletest.Plan(t, m, labReq(e["LAB_TROVE_CLOUD_DEMO"], fmt.Sprintf("datastore = %q\n", e["LAB_DATASTORE"])))
	if p.Err != nil || p.Outputs.GetAttr("id").AsString() != e["LAB_DATASTORE_ID"] || p.Outputs.GetAttr("default_version").AsString() != e["LAB_DATASTORE_VERSION"] {
		t.Fatalf("read as demo: %v %#v", p.Err, p.Outputs)
	}
	var names []string
	for _, v := range p.Outputs.GetAttr("versions").AsValueSlice() {
		names = append(names, v.AsString())
	}
	if want := strings.Join(strings.FieldsFunc(e["LAB_DATASTORE_VERSIONS"], func(r rune) bool { return r == ',' || r == ' ' }), " "); strings.Join(names, " ") != want {
		t.Errorf("versions %v, lab says %s", names, e["LAB_DATASTORE_VERSIONS"])
	}
	// As admin: image ids too.
	p = moduletest.Plan(t, m, labReq(e["LAB_TROVE_CLOUD_ADMIN"], fmt.Sprintf("datastore = %q\n", e["LAB_DATASTORE"])))
	if p.Err != nil || p.Outputs.GetAttr("image_ids").Index(ctyStr(e["LAB_DATASTORE_VERSION"])).AsString() != e["LAB_IMAGE_ID"] {
		t.Fatalf("read as admin: %v %#v", p.Err, p.Outputs)
	}
	// The management API refuses demo, clearly.
	ver := fmt.Sprintf("rbt-%d", os.Getpid())
	src := fmt.Sprintf("action = \"version\"\ndatastore = %q\nversion = %q\nmanager = \"mysql\"\nimage = %q\nactive = false\n", e["LAB_DATASTORE"], ver, e["LAB_IMAGE_ID"])
	if p := moduletest.Plan(t, m, labReq(e["LAB_TROVE_CLOUD_DEMO"], src)); p.Err == nil || !strings.Contains(p.Err.Error(), "needs an admin cloud") {
		t.Fatalf("as demo: %v", p.Err)
	}
	// As admin: register (inactive, so others' tests do not see it), no-op, update the image.
	c, err := openstack.Connect(context.Background(), openstack.Params{Cloud: e["LAB_TROVE_CLOUD_ADMIN"]})
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := c.Database()
	versions := func() string {
		pages, err := mgmt.ListDatastoreVersions(sc).AllPages(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		vs, _ := mgmt.ExtractDatastoreVersions(pages)
		return fmt.Sprintf("%+v", vs)
	}
	// Check mode: the plan registers nothing.
	before := versions()
	if p := moduletest.Plan(t, m, labReq(e["LAB_TROVE_CLOUD_ADMIN"], src)); p.Action != module.Change {
		t.Fatalf("plan: %v %v", p.Action, p.Err)
	}
	if after := versions(); after != before {
		t.Fatalf("Plan changed the versions:\n%s\n%s", before, after)
	}
	p, a := moduletest.Run(t, m, labReq(e["LAB_TROVE_CLOUD_ADMIN"], src))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("register: %v %v %+v", p.Action, p.Err, a)
	}
	id := a.Outputs.GetAttr("version").GetAttr("id").AsString()
	t.Cleanup(func() { mgmt.DeleteDatastoreVersion(context.Background(), sc, id) })
	if p := moduletest.Plan(t, m, labReq(e["LAB_TROVE_CLOUD_ADMIN"], src)); p.Action != module.NoOp {
		t.Fatalf("again: %v %s", p.Action, p.Reason)
	}
	src2 := strings.Replace(src, e["LAB_IMAGE_ID"], e["LAB_IMAGE2_ID"], 1)
	p, a = moduletest.Run(t, m, labReq(e["LAB_TROVE_CLOUD_ADMIN"], src2))
	if p.Action != module.Change || a == nil || a.Err != nil || a.Outputs.GetAttr("version").GetAttr("image").AsString() != e["LAB_IMAGE2_ID"] {
		t.Fatalf("update: %v %v %+v", p.Action, p.Err, a)
	}
	if p := moduletest.Plan(t, m, labReq(e["LAB_TROVE_CLOUD_ADMIN"], src2)); p.Action != module.NoOp {
		t.Fatalf("after update: %v %s", p.Action, p.Reason)
	}
}
