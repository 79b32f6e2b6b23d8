// Package standins_test drives the Trove lab of lab/trove-standins through
// Trove's own API: the real Trove services (18, and 23 from the trixie
// root) with the compute and guest stand-ins behind them. It needs the
// stand-ins lab up (lab/up.sh trove-standins); without it the tests skip, or fail
// when RUNBOOK_LAB_REQUIRED=1.
package standins_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// lab is one Trove release of the stand-ins lab, seen by a test.
type lab struct {
	t       *testing.T
	rel     string
	env     map[string]string
	trove   *gophercloud.ServiceClient // demo project
	mgmt    *gophercloud.ServiceClient // admin project (Trove's management API)
	compute *gophercloud.ServiceClient // the compute stand-in, admin
	swift   *gophercloud.ServiceClient // demo's Swift account
	prefix  string
}

func newLab(t *testing.T, rel string) *lab {
	t.Helper()
	env := labtest.Env(t, "trove-standins")
	for k, v := range labtest.Env(t, "openstack") {
		env[k] = v
	}
	if !strings.Contains(","+env["LAB_STANDINS_RELEASES"]+",", ","+rel+",") {
		labtest.Absent(t, "the stand-ins lab runs Trove %s, not %s", env["LAB_STANDINS_RELEASES"], rel)
	}
	ctx := context.Background()
	auth := func(user, project string) *gophercloud.ProviderClient {
		pw, err := readSecret(env["LAB_"+strings.ToUpper(user)+"_PASSWORD_FILE"])
		if err != nil {
			labtest.Absent(t, "lab password of %s: %v", user, err)
		}
		pc, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
			IdentityEndpoint: env["LAB_KEYSTONE_URL"], Username: user, Password: pw,
			DomainID: "default", TenantName: project, AllowReauth: true})
		if err != nil {
			labtest.Absent(t, "keystone login as %s: %v", user, err)
		}
		return pc
	}
	demo, admin := auth("demo", "demo"), auth("admin", "admin")
	base := env["LAB_STANDINS_TROVE"+rel+"_URL"]
	l := &lab{t: t, rel: rel, env: env,
		trove:   &gophercloud.ServiceClient{ProviderClient: demo, Endpoint: base + "/v1.0/" + env["LAB_DEMO_PROJECT_ID"] + "/"},
		mgmt:    &gophercloud.ServiceClient{ProviderClient: admin, Endpoint: base + "/v1.0/" + env["LAB_ADMIN_PROJECT_ID"] + "/mgmt/"},
		compute: &gophercloud.ServiceClient{ProviderClient: admin, Endpoint: env["LAB_STANDINS_COMPUTE_URL"] + "/"},
		swift:   &gophercloud.ServiceClient{ProviderClient: demo, Endpoint: env["LAB_STANDINS_SWIFT_URL"] + "/v1/AUTH_" + env["LAB_DEMO_PROJECT_ID"] + "/"},
		prefix:  fmt.Sprintf("si%s-%d", rel, time.Now().UnixNano()%1000000),
	}
	var versions map[string]any
	if _, err := l.trove.Get(ctx, base+"/", &versions, &gophercloud.RequestOpts{OkCodes: []int{200}}); err != nil {
		labtest.Absent(t, "Trove %s API at %s: %v", rel, base, err)
	}
	return l
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

func (l *lab) ctx() context.Context { return context.Background() }

// --- Trove --------------------------------------------------------------------

type instance struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	OperatingStatus string `json:"operating_status"`
	Updated         string `json:"service_status_updated"`
	Datastore       struct {
		Version string `json:"version"`
	} `json:"datastore"`
	Addresses []struct {
		Address string `json:"address"`
		Type    string `json:"type"`
	} `json:"addresses"`
	IP []string `json:"ip"`
}

func (i instance) healthy() bool {
	return (i.Status == "ACTIVE" && i.OperatingStatus == "HEALTHY") || i.Status == "HEALTHY"
}

func (i instance) address() string {
	return i.addressOf("private")
}

func (i instance) addressOf(kind string) string {
	for _, a := range i.Addresses {
		if a.Type == kind {
			return a.Address
		}
	}
	if kind != "private" {
		return ""
	}
	if len(i.IP) > 0 {
		return i.IP[0]
	}
	return ""
}

type createOpts struct {
	name, version, backup, flavor string
	withData, public              bool
}

func (l *lab) create(o createOpts) (instance, error) {
	if o.flavor == "" {
		o.flavor = l.env["LAB_FLAVOR_ID"]
	}
	in := map[string]any{
		"name": o.name, "flavorRef": o.flavor, "volume": map[string]any{"size": 1},
		"datastore": map[string]any{"type": "mysql", "version": o.version},
		"nics":      []map[string]any{{"net-id": l.env["LAB_STANDINS_PRIVATE_NET"]}},
	}
	if o.withData {
		in["databases"] = []map[string]any{{"name": "testdb"}}
		in["users"] = []map[string]any{{"name": "u1", "password": "lab-pw-1", "databases": []map[string]any{{"name": "testdb"}}}}
	}
	if o.backup != "" {
		in["restorePoint"] = map[string]any{"backupRef": o.backup}
	}
	if o.public {
		in["access"] = map[string]any{"is_public": true}
	}
	var out struct{ Instance instance }
	_, err := l.trove.Post(l.ctx(), l.trove.ServiceURL("instances"), map[string]any{"instance": in}, &out,
		&gophercloud.RequestOpts{OkCodes: []int{200}})
	return out.Instance, err
}

func (l *lab) mustCreate(o createOpts) instance {
	l.t.Helper()
	inst, err := l.create(o)
	if err != nil {
		l.t.Fatalf("Trove %s: create %s: %v", l.rel, o.name, err)
	}
	l.t.Cleanup(func() { l.delete(inst.ID) })
	return inst
}

func (l *lab) get(id string) (instance, error) {
	var out struct{ Instance instance }
	_, err := l.trove.Get(l.ctx(), l.trove.ServiceURL("instances", id), &out, nil)
	return out.Instance, err
}

func (l *lab) list() []instance {
	l.t.Helper()
	var out struct{ Instances []instance }
	if _, err := l.trove.Get(l.ctx(), l.trove.ServiceURL("instances"), &out, nil); err != nil {
		l.t.Fatalf("Trove %s: list instances: %v", l.rel, err)
	}
	return out.Instances
}

func (l *lab) delete(id string) {
	if id == "" {
		return
	}
	_, _ = l.trove.Delete(l.ctx(), l.trove.ServiceURL("instances", id), &gophercloud.RequestOpts{OkCodes: []int{202, 204}})
}

// wait polls an instance until done says so (or a status it must not pass
// through), failing the test with the last state after the timeout.
func (l *lab) wait(id, what string, timeout time.Duration, done func(instance) bool) instance {
	l.t.Helper()
	t0 := time.Now()
	var last instance
	var err error
	for time.Since(t0) < timeout {
		last, err = l.get(id)
		if err == nil && done(last) {
			l.t.Logf("Trove %s: %s %s after %.0fs (%s/%s)", l.rel, last.Name, what, time.Since(t0).Seconds(),
				last.Status, last.OperatingStatus)
			return last
		}
		time.Sleep(2 * time.Second)
	}
	l.t.Fatalf("Trove %s: instance %s not %s within %s: last %s/%s (err %v)\n%s", l.rel, id, what, timeout,
		last.Status, last.OperatingStatus, err, l.logs())
	return last
}

func (l *lab) waitHealthy(id string) instance {
	l.t.Helper()
	return l.wait(id, "HEALTHY", 5*time.Minute, func(i instance) bool {
		if i.Status == "ERROR" {
			l.t.Fatalf("Trove %s: %s went to ERROR while waiting for HEALTHY\n%s", l.rel, i.Name, l.logs())
		}
		return i.healthy()
	})
}

func (l *lab) waitError(id string) instance {
	l.t.Helper()
	return l.wait(id, "ERROR", 5*time.Minute, func(i instance) bool { return i.Status == "ERROR" })
}

// waitLeftHealthy waits until an action has taken the instance out of
// HEALTHY and brought it back.
func (l *lab) waitLeftHealthy(id string) instance {
	l.t.Helper()
	l.wait(id, "busy", 2*time.Minute, func(i instance) bool { return !i.healthy() })
	return l.waitHealthy(id)
}

func (l *lab) backup(instanceID, name string) (id, location string) {
	l.t.Helper()
	var out struct {
		Backup struct {
			ID, Status, LocationRef string
		}
	}
	if _, err := l.trove.Post(l.ctx(), l.trove.ServiceURL("backups"),
		map[string]any{"backup": map[string]any{"name": name, "instance": instanceID}}, &out,
		&gophercloud.RequestOpts{OkCodes: []int{202}}); err != nil {
		l.t.Fatalf("Trove %s: backup of %s: %v", l.rel, instanceID, err)
	}
	id = out.Backup.ID
	l.t.Cleanup(func() {
		_, _ = l.trove.Delete(l.ctx(), l.trove.ServiceURL("backups", id), &gophercloud.RequestOpts{OkCodes: []int{202}})
	})
	t0 := time.Now()
	for time.Since(t0) < 3*time.Minute {
		if _, err := l.trove.Get(l.ctx(), l.trove.ServiceURL("backups", id), &out, nil); err != nil {
			l.t.Fatalf("Trove %s: backup %s: %v", l.rel, id, err)
		}
		switch out.Backup.Status {
		case "COMPLETED":
			l.t.Logf("Trove %s: backup %s COMPLETED after %.0fs at %s", l.rel, name, time.Since(t0).Seconds(), out.Backup.LocationRef)
			return id, out.Backup.LocationRef
		case "FAILED", "ERROR":
			l.t.Fatalf("Trove %s: backup %s %s\n%s", l.rel, name, out.Backup.Status, l.logs())
		}
		time.Sleep(2 * time.Second)
	}
	l.t.Fatalf("Trove %s: backup %s still %s\n%s", l.rel, name, out.Backup.Status, l.logs())
	return "", ""
}

func (l *lab) action(id string, body map[string]any) {
	l.t.Helper()
	if _, err := l.mgmt.Post(l.ctx(), l.mgmt.ServiceURL("instances", id, "action"), body, nil,
		&gophercloud.RequestOpts{OkCodes: []int{202}}); err != nil {
		l.t.Fatalf("Trove %s: management action %v on %s: %v", l.rel, body, id, err)
	}
}

func (l *lab) instanceAction(id string, body map[string]any) {
	l.t.Helper()
	l.post(l.trove.ServiceURL("instances", id, "action"), body, 202)
}

func (l *lab) post(url string, body any, code int) {
	l.t.Helper()
	l.postJSON(url, body, nil, code)
}

func (l *lab) postJSON(url string, body, out any, code int) {
	l.t.Helper()
	if _, err := l.trove.Post(l.ctx(), url, body, out, &gophercloud.RequestOpts{OkCodes: []int{code}}); err != nil {
		l.t.Fatalf("Trove %s: POST %s %v: %v", l.rel, url, body, err)
	}
}

func (l *lab) getJSON(url string, out any) {
	l.t.Helper()
	if _, err := l.trove.Get(l.ctx(), url, out, nil); err != nil {
		l.t.Fatalf("Trove %s: GET %s: %v", l.rel, url, err)
	}
}

func (l *lab) del(url string) {
	l.t.Helper()
	if _, err := l.trove.Delete(l.ctx(), url, &gophercloud.RequestOpts{OkCodes: []int{202}}); err != nil {
		l.t.Fatalf("Trove %s: DELETE %s: %v", l.rel, url, err)
	}
}

func (l *lab) upgrade(id, version string) {
	l.t.Helper()
	if _, err := l.trove.Patch(l.ctx(), l.trove.ServiceURL("instances", id),
		map[string]any{"instance": map[string]any{"datastore_version": version}}, nil,
		&gophercloud.RequestOpts{OkCodes: []int{202}}); err != nil {
		l.t.Fatalf("Trove %s: upgrade %s to %s: %v", l.rel, id, version, err)
	}
}

// restartTrove restarts the release's API, conductor and taskmanager.
func (l *lab) restartTrove() {
	l.t.Helper()
	out, err := exec.Command("./trove.sh", "restart", l.rel).CombinedOutput()
	if err != nil {
		l.t.Fatalf("trove.sh restart %s: %v\n%s", l.rel, err, out)
	}
}

// --- the compute stand-in ---------------------------------------------------------

type server struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Status   string            `json:"status"`
	Metadata map[string]string `json:"metadata"`
	Image    struct {
		ID string `json:"id"`
	} `json:"image"`
	Flavor struct {
		ID string `json:"id"`
	} `json:"flavor"`
	Fault struct {
		Message string `json:"message"`
	} `json:"fault"`
}

func (l *lab) server(instanceID string) server {
	l.t.Helper()
	var out struct{ Servers []server }
	if _, err := l.compute.Get(l.ctx(), l.compute.ServiceURL("compute", "v2.1", "servers", "detail")+"?all_tenants=1",
		&out, nil); err != nil {
		l.t.Fatalf("compute stand-in: list servers: %v", err)
	}
	for _, s := range out.Servers {
		if s.Metadata["trove_instance_id"] == instanceID {
			return s
		}
	}
	l.t.Fatalf("compute stand-in has no server for Trove instance %s", instanceID)
	return server{}
}

// guestFiles are the files Trove injected into an instance's server (secrets redacted).
func (l *lab) guestFiles(serverID string) map[string]string {
	l.t.Helper()
	var out struct{ Files map[string]string }
	if _, err := l.compute.Get(l.ctx(), l.compute.ServiceURL("lab", "servers", serverID, "files"), &out, nil); err != nil {
		l.t.Fatalf("compute stand-in: files of %s: %v", serverID, err)
	}
	return out.Files
}

// arm switches a fault on for one target (an instance's name or id, a server id, a flavor id).
func (l *lab) arm(fault, match string) {
	l.t.Helper()
	if _, err := l.compute.Put(l.ctx(), l.compute.ServiceURL("lab", "faults", fault),
		map[string]any{"match": match, "times": 1}, nil, &gophercloud.RequestOpts{OkCodes: []int{200}}); err != nil {
		l.t.Fatalf("arming fault %s: %v", fault, err)
	}
	l.t.Cleanup(func() {
		_, _ = l.compute.Delete(l.ctx(), l.compute.ServiceURL("lab", "faults", fault)+"?match="+url.QueryEscape(match), nil)
	})
}

// flavor makes a Nova flavor of the compute stand-in for this test alone.
func (l *lab) flavor(name string) string {
	l.t.Helper()
	var out struct{ Flavor struct{ ID string } }
	if _, err := l.compute.Post(l.ctx(), l.compute.ServiceURL("compute", "v2.1", "flavors"),
		map[string]any{"flavor": map[string]any{"name": name, "ram": 512, "vcpus": 1, "disk": 0}}, &out,
		&gophercloud.RequestOpts{OkCodes: []int{200}}); err != nil {
		l.t.Fatalf("compute stand-in: flavor create: %v", err)
	}
	l.t.Cleanup(func() {
		_, _ = l.compute.Delete(l.ctx(), l.compute.ServiceURL("compute", "v2.1", "flavors", out.Flavor.ID), nil)
	})
	return out.Flavor.ID
}

// fired reports whether fault NAME fired for an identity (instance or server id, name).
func (l *lab) fired(fault, identity string) bool {
	l.t.Helper()
	var out struct {
		Fired []struct {
			Fault      string
			Identities []string
		}
	}
	if _, err := l.compute.Get(l.ctx(), l.compute.ServiceURL("lab", "faults"), &out, nil); err != nil {
		l.t.Fatalf("faults: %v", err)
	}
	for _, f := range out.Fired {
		if f.Fault == fault {
			for _, id := range f.Identities {
				if id == identity {
					return true
				}
			}
		}
	}
	return false
}

// swiftObjects lists a container of demo's Swift account.
func (l *lab) swiftObjects(container string) []string {
	l.t.Helper()
	var out []struct{ Name string }
	r, err := l.swift.Get(l.ctx(), l.swift.ServiceURL(container)+"?format=json", &out,
		&gophercloud.RequestOpts{OkCodes: []int{200, 204, 404}})
	if err != nil {
		l.t.Fatalf("swift: list %s: %v", container, err)
	}
	if r.StatusCode == http.StatusNotFound {
		return nil
	}
	names := make([]string, 0, len(out))
	for _, o := range out {
		names = append(names, o.Name)
	}
	sort.Strings(names)
	return names
}

// logs is the tail of the lab's logs, for a failure message.
func (l *lab) logs() string {
	var b strings.Builder
	for _, f := range []string{"trove-taskmanager-" + l.rel + ".log", "compute.log"} {
		out, _ := exec.Command("sh", "-c", "grep -E 'ERROR|WARNING' "+l.env["LAB_STANDINS_LOGS"]+"/"+f+" | tail -n 8").Output()
		fmt.Fprintf(&b, "--- %s\n%s", f, out)
	}
	// the guests' own errors (a prepare that failed says why only there)
	out, _ := exec.Command("sh", "-c", "grep -h -A4 -E 'ERROR|WARNING' "+l.env["LAB_STANDINS_LOGS"]+"/guests/*.log | tail -n 30").Output()
	fmt.Fprintf(&b, "--- guests/*.log\n%s", out)
	return b.String()
}

// --- the instance's MariaDB, at the address Trove reports --------------------------

func (l *lab) db(inst instance) *sql.DB {
	l.t.Helper()
	return l.dbAs(inst, "u1", "lab-pw-1", "testdb")
}

func (l *lab) dbAs(inst instance, user, password, database string) *sql.DB {
	l.t.Helper()
	addr := inst.address()
	if addr == "" {
		l.t.Fatalf("Trove %s: %s has no address: %+v", l.rel, inst.Name, inst)
	}
	db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s:3306)/%s?timeout=10s", user, password, addr, database))
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _ = db.Close() })
	return db
}

func (l *lab) exec(inst instance, stmts ...string) {
	l.t.Helper()
	db := l.db(inst)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			l.t.Fatalf("Trove %s: %s at %s: %q: %v", l.rel, inst.Name, inst.address(), s, err)
		}
	}
}

// query runs a one-value query as a user, at the instance's address.
func (l *lab) query(inst instance, user, password, database, q string) string {
	l.t.Helper()
	var v sql.NullString
	if err := l.dbAs(inst, user, password, database).QueryRow(q).Scan(&v); err != nil {
		l.t.Fatalf("Trove %s: %s as %s at %s: %q: %v", l.rel, inst.Name, user, inst.address(), q, err)
	}
	return v.String
}

func (l *lab) persons(inst instance) []string {
	l.t.Helper()
	rows, err := l.db(inst).Query("SELECT id, name FROM Persons ORDER BY id")
	if err != nil {
		l.t.Fatalf("Trove %s: select on %s at %s: %v", l.rel, inst.Name, inst.address(), err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			l.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%s", id, name))
	}
	return out
}
