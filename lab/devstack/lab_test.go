// Package devstack_test checks lab/devstack's devstack1 itself: real
// services as systemd units, a restart that really restarts, a bad option
// that really fails a unit, and the Zed -> 2025.1 release upgrade as Trove's
// own code does it (lab/devstack/README.md). They run only when the lab is
// up (make test) and take devstack1 exclusively (labtest.DevstackHost).
package devstack_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/internal/labtest"
)

var troveUnits = "apache2 devstack@tr-cond devstack@tr-tmgr"

// token returns a project-scoped Keystone token and the catalog.
func token(t *testing.T, ds *labtest.Devstack, user, pwFile, project string) (string, []catalogEntry) {
	t.Helper()
	pw, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"domain":{"id":"default"},"password":%q}}},"scope":{"project":{"name":%q,"domain":{"id":"default"}}}}}`,
		user, strings.TrimSpace(string(pw)), project)
	resp, err := http.Post(ds.Env["LAB_DEVSTACK_KEYSTONE_URL"]+"/auth/tokens", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("keystone token for %s: HTTP %d", user, resp.StatusCode)
	}
	var tok struct {
		Token struct {
			Catalog []catalogEntry `json:"catalog"`
		} `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("X-Subject-Token"), tok.Token.Catalog
}

type catalogEntry struct {
	Type      string `json:"type"`
	Endpoints []struct {
		Interface string `json:"interface"`
		URL       string `json:"url"`
	} `json:"endpoints"`
}

// waitUnit waits until unit is in one of the states (systemctl is-active).
func waitUnit(t *testing.T, ds *labtest.Devstack, unit string, timeout time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, _ := ds.Sh("systemctl is-active " + unit)
		st := strings.TrimSpace(out)
		for _, w := range want {
			if st == w {
				return st
			}
		}
		if time.Now().After(deadline) {
			return st
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// consumers lists RabbitMQ queues with at least one consumer.
func consumers(t *testing.T, ds *labtest.Devstack) map[string]bool {
	t.Helper()
	out := ds.MustSh("rabbitmqctl -q list_queues name consumers")
	q := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[1] != "0" {
			q[f[0]] = true
		}
	}
	return q
}

func TestDevstackControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("lab test (about 2 minutes)")
	}
	ds := labtest.DevstackHost(t)
	ds.Reset()
	addr := ds.Env["LAB_DEVSTACK_ADDRESS"]

	// Real services as units, Trove's over the real RabbitMQ.
	ds.MustSh("systemctl is-active mariadb rabbitmq-server devstack@keystone devstack@g-api " + troveUnits)
	if _, err := ds.APICode(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for q := consumers(t, ds); !q["trove-conductor"] || !q["taskmanager"]; q = consumers(t, ds) {
		if time.Now().After(deadline) {
			t.Fatalf("RabbitMQ queues with consumers: %v; want trove-conductor and taskmanager (the topics of devstack@tr-cond and devstack@tr-tmgr)", q)
		}
		time.Sleep(time.Second)
	}

	// The catalog: every endpoint at devstack1's bridge address, reachable
	// from here; compute, volumev3, network and object-store for the stand-ins.
	_, catalog := token(t, ds, "admin", ds.Env["LAB_DEVSTACK_ADMIN_PASSWORD_FILE"], "admin")
	var types []string
	for _, c := range catalog {
		types = append(types, c.Type)
		for _, e := range c.Endpoints {
			if !strings.HasPrefix(e.URL, "http://"+addr+":") {
				t.Errorf("catalog %s %s endpoint %s is not at %s", c.Type, e.Interface, e.URL, addr)
			}
		}
	}
	sort.Strings(types)
	if got := strings.Join(types, ","); got != "compute,database,identity,image,network,object-store,volumev3" {
		t.Errorf("catalog types %s", got)
	}

	// The API says which code answers; a restart of apache2 is a new process.
	before, err := ds.APICode(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if before.Version != "18.0.0" {
		t.Fatalf("API code %q, want 18.0.0 (Trove 18, Zed)", before.Version)
	}
	ds.MustSh("systemctl restart apache2")
	after, err := ds.APICode(3 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if after.Pid == before.Pid || after.Version != "18.0.0" {
		t.Errorf("after systemctl restart apache2: %+v, before %+v (want a new pid, same code)", after, before)
	}

	// A bad option really fails the unit (and the journal says why); the
	// good file brings it back.
	ds.MustSh("cp -p /etc/trove/trove.conf /root/trove.conf.good && sed -i 's/^debug = true$/debug = maybe/' /etc/trove/trove.conf && grep -q '^debug = maybe' /etc/trove/trove.conf")
	t.Cleanup(func() { ds.Sh("cp -p /root/trove.conf.good /etc/trove/trove.conf") })
	ds.MustSh("systemctl restart devstack@tr-cond")
	if st := waitUnit(t, ds, "devstack@tr-cond", time.Minute, "failed", "inactive"); st != "failed" && st != "inactive" {
		t.Fatalf("devstack@tr-cond with debug = maybe is %q, want failed", st)
	}
	if j := ds.MustSh("journalctl -u devstack@tr-cond -n 40 --no-pager"); !strings.Contains(j, "maybe") {
		t.Errorf("the journal of devstack@tr-cond does not name the bad value:\n%s", j)
	}
	ds.MustSh("cp -p /root/trove.conf.good /etc/trove/trove.conf && systemctl reset-failed devstack@tr-cond; systemctl restart devstack@tr-cond")
	time.Sleep(5 * time.Second)
	if st := waitUnit(t, ds, "devstack@tr-cond", time.Second, "active"); st != "active" {
		t.Errorf("devstack@tr-cond with the good file is %q", st)
	}

	// Installing the new release changes the code on disk, not what runs.
	ds.MustSh(ds.Env["LAB_DEVSTACK_RELEASE_SCRIPT"] + " install " + ds.Env["LAB_DEVSTACK_RELEASE_NEW"])
	if c, err := ds.APICode(time.Minute); err != nil || c.Version != "18.0.0" || c.Pid != after.Pid {
		t.Errorf("after installing %s, before any restart: %+v %v (want the old process, 18.0.0)", ds.Env["LAB_DEVSTACK_RELEASE_NEW"], c, err)
	}
	if st := ds.Release(); st["installed"] != "2025.1" || !strings.HasPrefix(st["devstack@tr-tmgr"], "active") || !strings.HasSuffix(st["devstack@tr-tmgr"], "root=/") {
		t.Errorf("release status %v: want 2025.1 installed, tr-tmgr still running from /", st)
	}
}

// TestDevstackReleaseUpgrade is the Zed -> 2025.1 upgrade on the seeded
// rows, as Trove's own code does it: the direct db_upgrade fails (Trove 23's
// legacy stamp is broken on SQLAlchemy 2, lab/devstack/README.md); the path
// Trove supports (schema one migration behind, same code) migrates to head
// and the 2025.1 services run on it with the rows intact.
func TestDevstackReleaseUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("lab test (about 3 minutes)")
	}
	ds := labtest.DevstackHost(t)
	ds.Reset()
	rel := ds.Env["LAB_DEVSTACK_RELEASE_SCRIPT"]
	rows := "mariadb -uroot -N trove -e 'SELECT COUNT(*) FROM datastore_versions; SELECT COUNT(*) FROM datastore_configuration_parameters; SELECT GROUP_CONCAT(name ORDER BY name) FROM datastore_versions'"
	before := ds.MustSh(rows)
	if st := ds.Release(); st["installed"] != "zed" || st["schema"] != "sqlalchemy-migrate 48" {
		t.Fatalf("fresh devstack1: %v, want zed on sqlalchemy-migrate 48", st)
	}

	ds.MustSh(rel + " install 2025.1")
	out, rc := ds.Sh("trove-manage --config-file /etc/trove/trove.conf db_upgrade")
	if rc == 0 {
		t.Fatalf("db_upgrade of a Zed schema with Trove 23 exited 0; the lab README says it fails:\n%s", out)
	}
	if !strings.Contains(out, "Could not locate column in row for column 'values'") {
		t.Errorf("db_upgrade failed differently than the README says:\n%s", out)
	}
	if st := ds.Release(); st["schema"] != "sqlalchemy-migrate 48" {
		t.Errorf("after the failed db_upgrade the schema is %q", st["schema"])
	}

	ds.MustSh(rel + " schema-behind")
	if st := ds.Release(); st["schema"] != "alembic cee1bcba3541" {
		t.Fatalf("schema-behind: %v", st)
	}
	ds.MustSh("trove-manage --config-file /etc/trove/trove.conf db_upgrade")
	st := ds.Release()
	if st["schema"] != "alembic 7ee6154548a6" {
		t.Errorf("after db_upgrade the schema is %q, want head alembic 7ee6154548a6", st["schema"])
	}
	if after := ds.MustSh(rows); after != before {
		t.Errorf("rows changed by the migration: %q -> %q", before, after)
	}
	ds.MustSh("mariadb -uroot trove -e 'SELECT storage_driver FROM backups LIMIT 1'")

	ds.MustSh("systemctl restart " + troveUnits)
	c, err := ds.APICode(3 * time.Minute)
	if err != nil || c.Version != "23.0.0" {
		t.Fatalf("after the restart the API runs %+v %v, want 23.0.0", c, err)
	}
	root := regexp.MustCompile(`root=\S*2025\.1`)
	for _, u := range strings.Fields(troveUnits) {
		if s := ds.Release()[u]; !strings.HasPrefix(s, "active") || !root.MatchString(s) {
			t.Errorf("%s: %s, want active from the 2025.1 root", u, s)
		}
	}
	tok, _ := token(t, ds, "demo", ds.Env["LAB_DEVSTACK_DEMO_PASSWORD_FILE"], "demo")
	req, _ := http.NewRequest("GET", ds.Env["LAB_DEVSTACK_TROVE_URL"]+"/v1.0/"+ds.Env["LAB_DEVSTACK_DEMO_PROJECT_ID"]+"/datastores", nil)
	req.Header.Set("X-Auth-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ds2 struct {
		Datastores []struct {
			Name     string `json:"name"`
			Versions []struct {
				Name string `json:"name"`
			} `json:"versions"`
		} `json:"datastores"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ds2); err != nil || resp.StatusCode != 200 {
		t.Fatalf("datastores from Trove 23: HTTP %d %v", resp.StatusCode, err)
	}
	var names []string
	for _, d := range ds2.Datastores {
		for _, v := range d.Versions {
			names = append(names, d.Name+" "+v.Name)
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "mysql 5.7.29,mysql 5.7.30" {
		t.Errorf("Trove 23 lists %v", names)
	}
}

// TestDevstackFaults switches each of devstack1's faults on and off and
// checks that it does what lab/devstack/fault.sh says, and nothing once off.
func TestDevstackFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("lab test")
	}
	ds := labtest.DevstackHost(t)
	if _, err := ds.APICode(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	tok, _ := token(t, ds, "demo", ds.Env["LAB_DEVSTACK_DEMO_PASSWORD_FILE"], "demo")
	base := ds.Env["LAB_DEVSTACK_TROVE_URL"] + "/v1.0/" + ds.Env["LAB_DEVSTACK_DEMO_PROJECT_ID"]
	call := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := call("GET", "/datastores", ""); c != 200 {
		t.Fatalf("datastores: HTTP %d before any fault", c)
	}

	ds.Fault("api-500", true)
	if c := call("GET", "/datastores", ""); c != 500 {
		t.Errorf("api-500 on: datastores answered %d, want 500", c)
	}
	if _, err := ds.APICode(10 * time.Second); err != nil {
		t.Errorf("api-500 on: the API root should still answer: %v", err)
	}
	ds.Fault("api-500", false)
	if c := call("GET", "/datastores", ""); c != 200 {
		t.Errorf("api-500 off: datastores answered %d", c)
	}

	// One shot: Trove handles the create (here it fails it, whatever the
	// reason), the client sees the lab's 500; the next create is Trove's own
	// answer (the fault log shows one firing).
	create := `{"instance":{"name":"lab-fault-probe","flavorRef":"no-such-flavor","volume":{"size":1},"datastore":{"type":"mysql","version":"5.7.29"}}}`
	ds.Fault("api-500-after-create", true)
	if c := call("POST", "/instances", create); c != 500 {
		t.Errorf("api-500-after-create on: create answered %d, want 500", c)
	}
	if log := ds.MustSh("cat /var/log/trove/lab-faults.log"); !strings.Contains(log, "api-500-after-create POST") {
		t.Errorf("the fault log does not show the create:\n%s", log)
	}
	call("POST", "/instances", create)
	if n := strings.Count(ds.MustSh("cat /var/log/trove/lab-faults.log"), "api-500-after-create POST"); n != 1 {
		t.Errorf("api-500-after-create fired %d times, want once", n)
	}
	if out, rc := ds.Sh("test -e /etc/trove/lab-faults/api-500-after-create"); rc == 0 {
		t.Errorf("the one-shot switch is still there %s", out)
	}

	ds.Fault("controller-away", true)
	if _, err := (&http.Client{Timeout: 3 * time.Second}).Get(ds.Env["LAB_DEVSTACK_TROVE_URL"] + "/"); err == nil {
		t.Errorf("controller-away on: Trove's API still answers")
	}
	ds.Fault("controller-away", false)
	if _, err := ds.APICode(time.Minute); err != nil {
		t.Errorf("controller-away off: %v", err)
	}
	if out, rc := ds.Sh("true"); rc != 0 {
		t.Errorf("controller-away off: ssh %d %s", rc, out)
	}
}
