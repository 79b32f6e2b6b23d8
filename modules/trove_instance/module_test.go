package troveinstance_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
	troveinstance "github.com/runbook-dev/runbook/modules/trove_instance"
)

func fake(t *testing.T) (*openstacktest.Cloud, *openstacktest.Trove, module.Module) {
	t.Helper()
	fc := openstacktest.New(t)
	return fc, openstacktest.NewTrove(fc), troveinstance.New()
}

func req(t *testing.T, m module.Module, src string) module.Request {
	t.Helper()
	return moduletest.Request(moduletest.Args(t, m, "cloud = \"fake\"\n"+src), nil, "")
}

const createSrc = `name = "db1"
flavor = "10"
volume_size = 2
datastore = "mysql"
datastore_version = "5.7.29"
databases = ["app"]
users = [{ name = "app", password = "pw-never-shown", databases = ["app"] }]
wait = { timeout = "30s" }
`

func TestCreateWaitsAndIsIdempotent(t *testing.T) {
	_, tr, m := fake(t)
	r := req(t, m, createSrc)
	r.Sensitive = nil
	var lines []string
	r.Output = func(_, l string) { lines = append(lines, l) }
	p, a := moduletest.Run(t, m, r)
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("plan %v %v, apply %+v", p.Action, p.Err, a)
	}
	for _, d := range p.Diff.Items {
		if strings.Contains(d.After, "pw-never-shown") || strings.Contains(d.Before, "pw-never-shown") {
			t.Fatalf("diff shows the password: %+v", d)
		}
	}
	out := a.Outputs
	if out.GetAttr("status").AsString() != "ACTIVE" || out.GetAttr("operating_status").AsString() != "HEALTHY" {
		t.Errorf("outputs %#v", out)
	}
	if out.GetAttr("volume_size").AsBigFloat().String() != "2" || out.GetAttr("flavor_id").AsString() != "10" {
		t.Errorf("outputs %#v", out)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, ": BUILD") }) || !slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(l, "ACTIVE/HEALTHY") }) {
		t.Errorf("progress: %q", lines)
	}
	// Again: no-op with the instance's outputs, and no second POST.
	p = moduletest.Plan(t, m, r)
	if p.Action != module.NoOp || p.Outputs.GetAttr("id").AsString() != out.GetAttr("id").AsString() {
		t.Fatalf("second plan: %v %s", p.Action, p.Reason)
	}
	if n := len(tr.CallsOf("POST instances")); n != 1 {
		t.Errorf("%d creates", n)
	}
}

func TestCreateFailsWithFault(t *testing.T) {
	_, _, m := fake(t)
	_, a := moduletest.Run(t, m, req(t, m, strings.Replace(createSrc, `"db1"`, `"db1-ERROR"`, 1)))
	if a == nil || a.Err == nil {
		t.Fatal("no error")
	}
	want := `Trove instance "db1-ERROR" (inst-0001) went to ERROR: No valid host was found. There are not enough hosts available.`
	if a.Err.Error() != want {
		t.Errorf("got  %v\nwant %s", a.Err, want)
	}
}

func TestCreateUnknownFlavorShowsAPIMessage(t *testing.T) {
	fc, _, m := fake(t)
	_, a := moduletest.Run(t, m, req(t, m, strings.Replace(createSrc, `"10"`, `"99999"`, 1)))
	want := `creating Trove instance "db1": 400 Bad Request: Resource 99999 cannot be found. (POST ` + fc.DatabaseURL() + `instances, request id req-fake-0001)`
	if a == nil || a.Err == nil || a.Err.Error() != want {
		t.Fatalf("got  %v\nwant %s", a, want)
	}
}

func TestTimeout(t *testing.T) {
	_, tr, m := fake(t)
	tr.Steps = 1000
	_, a := moduletest.Run(t, m, req(t, m, strings.Replace(createSrc, `"30s"`, `"1s"`, 1)))
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), `timed out after 1s waiting for Trove instance "db1" (inst-0001) to be HEALTHY (last status BUILD)`) {
		t.Fatalf("got %+v", a)
	}
}

func TestUpgradeRestartRebuildDelete(t *testing.T) {
	_, tr, m := fake(t)
	i := tr.AddInstance("db1", "5.7.29")

	up := "action = \"upgrade\"\nname = \"db1\"\ndatastore_version = \"5.7.30\"\n"
	p, a := moduletest.Run(t, m, req(t, m, up))
	if p.Action != module.Change || a == nil || a.Err != nil || a.Outputs.GetAttr("datastore").GetAttr("version").AsString() != "5.7.30" {
		t.Fatalf("upgrade: %v %v %+v", p.Action, p.Err, a)
	}
	if p := moduletest.Plan(t, m, req(t, m, up)); p.Action != module.NoOp {
		t.Fatalf("upgrade again: %v", p.Action)
	}
	if got := tr.CallsOf("PATCH"); len(got) != 1 {
		t.Errorf("PATCH calls %v", got)
	}

	p, a = moduletest.Run(t, m, req(t, m, "action = \"restart\"\nid = \""+i.ID+"\"\n"))
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("restart: %v %+v", p.Action, a)
	}
	p, a = moduletest.Run(t, m, req(t, m, "id = \""+i.ID+"\"\nrebuild = \"img2\"\n"))
	if p.Action != module.Change || a == nil || a.Err != nil || len(tr.CallsOf("POST mgmt/instances/"+i.ID+"/action")) != 1 {
		t.Fatalf("rebuild: %v %v %+v %v", p.Action, p.Err, a, tr.Calls)
	}

	del := "action = \"delete\"\nname = \"db1\"\n"
	if p := moduletest.Plan(t, m, req(t, m, del)); p.Err == nil || !strings.Contains(p.Err.Error(), `refusing to delete Trove instance "db1" (inst-0001) without confirm = true`) {
		t.Fatalf("delete without confirm: %v", p.Err)
	}
	p, a = moduletest.Run(t, m, req(t, m, del+"confirm = true\n"))
	if p.Action != module.Change || a == nil || a.Err != nil || a.Outputs.GetAttr("status").AsString() != "DELETED" {
		t.Fatalf("delete: %v %+v", p.Action, a)
	}
	if p := moduletest.Plan(t, m, req(t, m, del+"confirm = true\n")); p.Action != module.NoOp {
		t.Fatalf("delete again: %v", p.Action)
	}
}

func TestFindListAndPlansOnlyRead(t *testing.T) {
	_, tr, m := fake(t)
	tr.AddInstance("a", "5.7.29")
	tr.AddInstance("b", "5.7.30")
	tr.AddInstance("c", "5.7.29")
	for _, src := range []string{
		"action = \"list\"\ndatastore_version = \"5.7.29\"\n",
		"action = \"find\"\nname = \"b\"\n",
		createSrc,
		"action = \"upgrade\"\nname = \"a\"\ndatastore_version = \"5.7.30\"\n",
		"action = \"restart\"\nname = \"a\"\n",
		"rebuild = \"img\"\nname = \"a\"\n",
		"action = \"delete\"\nname = \"a\"\nconfirm = true\n",
	} {
		p := moduletest.Plan(t, m, req(t, m, src))
		if p.Err != nil {
			t.Errorf("%s: %v", src, p.Err)
		}
	}
	for _, c := range tr.Calls {
		if !strings.HasPrefix(strings.TrimPrefix(c, "nova "), "GET ") {
			t.Errorf("a plan wrote: %s", c)
		}
	}
	p := moduletest.Plan(t, m, req(t, m, "action = \"list\"\ndatastore_version = \"5.7.29\"\n"))
	var names []string
	for _, v := range p.Outputs.GetAttr("instances").AsValueSlice() {
		names = append(names, v.GetAttr("name").AsString())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a", "c"}) {
		t.Errorf("list: %v", names)
	}
	if p := moduletest.Plan(t, m, req(t, m, "action = \"find\"\nname = \"zz\"\n")); p.Err == nil || p.Err.Error() != `no Trove instance "zz"` {
		t.Errorf("find missing: %v", p.Err)
	}
	tr.AddInstance("a", "5.7.29")
	if p := moduletest.Plan(t, m, req(t, m, "action = \"find\"\nname = \"a\"\n")); p.Err == nil || !strings.Contains(p.Err.Error(), `2 Trove instances are named "a"`) {
		t.Errorf("ambiguous: %v", p.Err)
	}
}

func TestServerError(t *testing.T) {
	fc := openstacktest.New(t)
	fc.Mux.HandleFunc(fc.DatabasePath("instances"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-trove-500")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		w.Write([]byte(`{"instanceFault": {"code": 500, "message": "An unknown exception occurred."}}`))
	})
	m := troveinstance.New()
	p := moduletest.Plan(t, m, req(t, m, "action = \"list\"\n"))
	want := "listing Trove instances: 500 Internal Server Error: An unknown exception occurred. (GET " + fc.DatabaseURL() + "instances, request id req-trove-500)"
	if p.Err == nil || p.Err.Error() != want {
		t.Fatalf("got  %v\nwant %s", p.Err, want)
	}
}

func TestArgs(t *testing.T) {
	m := troveinstance.New()
	for _, tc := range []struct{ src, want string }{
		{`flavor = "1"`, "name is required"},
		{`name = "x"`, "flavor is required"},
		{"name = \"x\"\nflavor = \"1\"", "volume_size"},
		{"name = \"x\"\nflavor = \"1\"\nvolume_size = 1\nusers = [{ name = \"u\", password = \"\" }]", "needs a name and a password"},
		{`action = "upgrade"`, "Give at least one of id or name"},
		{"action = \"upgrade\"\nid = \"x\"", "datastore_version is required here"},
		{"action = \"rebuild\"\nid = \"x\"", "rebuild is required here"},
		{`action = "resize"`, `not "resize"`},
		{"name = \"x\"\nflavor = \"1\"\nvolume_size = 1\nwait = { timeout = \"never\" }", `"never" is not a duration`},
	} {
		p := moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, tc.src), nil, ""))
		if p.Err == nil || !strings.Contains(p.Err.Error(), tc.want) {
			t.Errorf("%s: got %v want %q", tc.src, p.Err, tc.want)
		}
	}
}

func TestRejectedPasswordIsNotShown(t *testing.T) {
	fc := openstacktest.New(t)
	fc.Mux.HandleFunc(fc.DatabasePath("instances"), func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			openstacktest.JSON(w, 200, `{"instances": []}`)
			return
		}
		openstacktest.JSON(w, 400, `{"badRequest": {"code": 400, "message": "Password pw-never-shown does not meet the policy."}}`)
	})
	m := troveinstance.New()
	_, a := moduletest.Run(t, m, req(t, m, createSrc))
	if a == nil || a.Err == nil {
		t.Fatal("accepted")
	}
	if strings.Contains(a.Err.Error(), "pw-never-shown") || !strings.Contains(a.Err.Error(), "Password (sensitive) does not meet the policy.") {
		t.Fatalf("got %v", a.Err)
	}
}

func TestCreateOfUnsettledOrErroredInstance(t *testing.T) {
	_, tr, m := fake(t)
	i := tr.AddInstance("db1", "5.7.29")
	i.Status = "BUILD"
	p, a := moduletest.Run(t, m, req(t, m, strings.Replace(createSrc, `"30s"`, `"1s"`, 1)))
	if p.Action != module.Change || !strings.Contains(p.Reason, "exists (BUILD): wait until it is HEALTHY") {
		t.Fatalf("plan: %v %s", p.Action, p.Reason)
	}
	// It never settles in the fake: the wait times out, nothing was created.
	if a == nil || a.Changed || len(tr.CallsOf("POST instances")) != 0 {
		t.Fatalf("apply: %+v", a)
	}
	i.Status = "ERROR"
	p = moduletest.Plan(t, m, req(t, m, createSrc))
	if p.Err == nil || !strings.Contains(p.Err.Error(), `exists but is in ERROR (No valid host was found. There are not enough hosts available.)`) {
		t.Fatalf("errored: %v", p.Err)
	}
}

// TestCloudFromHostVar: without cloud, the host var cloud names it (an
// inventory's trove_instances source sets it).
func TestCloudFromHostVar(t *testing.T) {
	_, tr, m := fake(t)
	tr.AddInstance("db1", "5.7.29")
	t.Setenv("OS_AUTH_URL", "")
	r := moduletest.Request(moduletest.Args(t, m, "action = \"find\"\nname = \"db1\"\n"), nil, "db1")
	if p := moduletest.Plan(t, m, r); p.Err == nil || !strings.Contains(p.Err.Error(), "no cloud named") {
		t.Fatalf("without a cloud: %v", p.Err)
	}
	r.Host.Vars["cloud"] = cty.StringVal("fake")
	if p := moduletest.Plan(t, m, r); p.Err != nil || p.Outputs.GetAttr("name").AsString() != "db1" {
		t.Fatalf("with the host var: %v", p.Err)
	}
}

// contents reads the databases and users an instance holds, sorted; a
// restore has its source's, and a difference shows.
func TestContents(t *testing.T) {
	_, tr, m := fake(t)
	a := tr.AddInstance("a", "5.7.29")
	a.Databases, a.Users = []string{"shop", "app"}, []string{"app", "report"}
	p := moduletest.Plan(t, m, req(t, m, "action = \"contents\"\nname = \"a\"\n"))
	if p.Err != nil || p.Action != module.NoOp {
		t.Fatalf("contents: %v %v", p.Action, p.Err)
	}
	if got := p.Outputs.GetAttr("databases").GoString(); got != `cty.ListVal([]cty.Value{cty.StringVal("app"), cty.StringVal("shop")})` {
		t.Errorf("databases: %s", got)
	}
	if got := p.Outputs.GetAttr("users").GoString(); got != `cty.ListVal([]cty.Value{cty.StringVal("app"), cty.StringVal("report")})` {
		t.Errorf("users: %s", got)
	}
	for _, c := range tr.Calls {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("contents wrote: %s", c)
		}
	}
	b := tr.AddInstance("b", "5.7.29")
	b.Databases = []string{"app"}
	p = moduletest.Plan(t, m, req(t, m, "action = \"contents\"\nname = \"b\"\n"))
	if p.Outputs.GetAttr("databases").LengthInt() != 1 || p.Outputs.GetAttr("users").LengthInt() != 0 {
		t.Errorf("b: %#v", p.Outputs)
	}
	if p := moduletest.Plan(t, m, req(t, m, "action = \"find\"\nname = \"a\"\n")); !p.Outputs.GetAttr("databases").IsNull() {
		t.Errorf("find sets databases: %#v", p.Outputs)
	}
}
