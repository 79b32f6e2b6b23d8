package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// These tests run the shipped runbooks/trove-upgrade with the real binary
// against devstack1 (lab/devstack): Trove 18 (zed) as DevStack runs it —
// apache2 + mod_wsgi serving the API, devstack@tr-cond and devstack@tr-tmgr,
// MariaDB, RabbitMQ, Keystone, Glance — and Debian 13's Trove 23 (2025.1)
// installed the way an operator gets new code (the release switch). What
// they check is read independently of the runbook: the schema from
// MariaDB on devstack1, the code that answers from the API's
// X-Lab-Trove-Version header, unit start times from systemd, files over
// SSH.

type devstackLab struct {
	*labtest.Devstack
	env  map[string]string
	root string // the repository
	inv  string // inventories/lab.hcl for this lab slot
}

// needDevstack takes devstack1 for the test (labtest's lock: other
// packages' tests never see what this one does) and starts it again from
// its just-stacked state: Trove 18, schema 48.
func needDevstack(t *testing.T) *devstackLab {
	t.Helper()
	if testing.Short() {
		t.Skip("lab end-to-end test (minutes)")
	}
	d := labtest.DevstackHost(t)
	d.Reset()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	l := &devstackLab{Devstack: d, env: d.Env, root: root}
	b, err := os.ReadFile(filepath.Join(root, "inventories", "lab.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "/tmp/runbook-lab/devstack", d.Env["LAB_DEVSTACK_DIR"])
	s = strings.ReplaceAll(s, `"10.233.0.10"`, `"`+d.Env["LAB_DEVSTACK_ADDRESS"]+`"`)
	l.inv = writeFile(t, "lab.hcl", s)
	return l
}

func (l *devstackLab) sh(t *testing.T, script string, args ...string) string {
	t.Helper()
	argv := append([]string{"/bin/sh", "-c", script, "sh"}, args...)
	res, err := l.Root.Exec(context.Background(), &transport.Cmd{Argv: argv})
	if err != nil || res.RC != 0 {
		t.Fatalf("on devstack1: %v rc %v: %s", err, res.RC, res.Stderr)
	}
	return strings.TrimSpace(string(res.Stdout))
}

// install switches devstack1's installed Trove release (what an operator's
// package upgrade does: the code on disk changes, nothing restarts).
func (l *devstackLab) install(t *testing.T, release string) {
	t.Helper()
	l.sh(t, `cd /opt/trove && ln -sfn "releases/$1" current.new && mv -T current.new current`, release)
}

// schema reads the Trove database's schema revision with MariaDB's client.
func (l *devstackLab) schema(t *testing.T) string {
	t.Helper()
	return l.sh(t, `mariadb -uroot -N trove -e "SELECT IFNULL((SELECT CONCAT('alembic ', version_num) FROM alembic_version LIMIT 1), '')" 2>/dev/null | grep . ||
		mariadb -uroot -N trove -e "SELECT CONCAT('migrate ', version) FROM migrate_version"`)
}

// units is each Trove unit's start (ActiveEnterTimestamp), and the state.
func (l *devstackLab) units(t *testing.T) string {
	t.Helper()
	return l.sh(t, `for u in apache2 devstack@tr-cond devstack@tr-tmgr; do echo "$u $(systemctl show -p ActiveState,ActiveEnterTimestampMonotonic --value "$u" | tr '\n' ' ')"; done`)
}

// apiCode is the Trove release the API's serving process loaded.
func (l *devstackLab) apiCode(t *testing.T) string {
	t.Helper()
	c, err := l.APICode(90 * time.Second)
	if err != nil {
		t.Fatalf("the Trove API: %v", err)
	}
	return c.Version
}

// state is what check mode must not move.
func (l *devstackLab) state(t *testing.T) string {
	t.Helper()
	return l.schema(t) + "\n" + l.units(t) + "\n" + l.sh(t, `sha256sum /etc/trove/trove.conf /etc/trove/trove-guestagent.conf; ls /etc/trove`)
}

func (l *devstackLab) runbook(t *testing.T, cmd string, vars ...string) runOut {
	t.Helper()
	env := []string{"OS_CLIENT_CONFIG_FILE=" + l.env["LAB_DEVSTACK_CLOUDS_YAML"], "OS_CLIENT_SECURE_FILE=" + l.env["LAB_DEVSTACK_SECURE_YAML"]}
	rb := filepath.Join(l.root, "runbooks", "trove-upgrade")
	args := []string{cmd, "--json", "-i", l.inv, "--var-file", filepath.Join(rb, "vars", "lab.hcl"),
		"--var", "image_id=" + l.env["LAB_DEVSTACK_IMAGE2_ID"]}
	for i := 0; i < len(vars); i++ {
		switch vars[i] {
		case "--report":
			args = append(args, "--report", vars[i+1])
			i++
			continue
		case "--diff":
			args = append(args, "--diff")
			continue
		}
		args = append(args, "--var", vars[i])
	}
	return run(t, env, append(args, rb)...)
}

func reasonOf(r runOut, task string) string {
	if ev := r.event("task_finished", task); ev != nil {
		return fmt.Sprint(ev["reason"])
	}
	return ""
}

// The controllers of a DevStack cloud, zed -> 2025.1: the path refused
// before anything changes (not installed yet; skipping releases; a
// downgrade), check mode that touches nothing, the migration (stamp +
// db_upgrade) verified at the new head, the API restarted (apache2) so that
// the new code answers, guest options in the guest's file, a rerun that
// changes nothing, a check on the upgraded cloud that exits 0, and a
// forgotten apache2 caught.
func TestTroveUpgradeControllersOnDevstack(t *testing.T) {
	l := needDevstack(t)
	dumps := t.TempDir() + "/"
	phase := []string{`phases=["controllers"]`, "dump_dir=" + dumps}
	with := func(extra ...string) []string { return append(append([]string{}, phase...), extra...) }

	if got := l.schema(t); got != "migrate 48" {
		t.Fatalf("devstack1 starts at schema %q, want migrate 48", got)
	}
	before := l.state(t)

	// Not installed yet: the controllers still have zed.
	r := l.runbook(t, "run", with()...)
	if r.code != exitError || !strings.Contains(reasonOf(r, "task.release_path"), "has Trove 18.0.0 (zed) installed, not 2025.1") {
		t.Fatalf("run before the install: exit %d, release_path %q\n%s", r.code, reasonOf(r, "task.release_path"), r.stderr)
	}
	if got := l.state(t); got != before {
		t.Fatalf("a refused run changed devstack1:\n%s\n->\n%s", before, got)
	}

	l.install(t, "2025.1")
	if v := l.apiCode(t); v != "18.0.0" {
		t.Fatalf("after the install the API runs %s (nothing restarted yet)", v)
	}
	before = l.state(t)

	// zed -> 2025.1 skips four releases: refused unless allowed, naming
	// the release to go through.
	r = l.runbook(t, "check", with("allow_release_jump=false")...)
	if r.code != exitError || !strings.Contains(reasonOf(r, "task.release_path"), "go through 2023.1 first") {
		t.Fatalf("skip-level check: exit %d, release_path %q", r.code, reasonOf(r, "task.release_path"))
	}

	// Check mode: what would happen, nothing touched.
	r = l.runbook(t, "check", with()...)
	if r.code != exitChanges {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st := r.finished()
	// The stamp, the migration and the restart are commands that run only
	// when due (changed_when = true): check mode says they would change;
	// the dump's fetch would change (no local copy yet). Only the reads of
	// what the migration and the restart leave cannot be predicted.
	for task, want := range map[string]string{"task.release_path@localhost": "ok", "task.trove_status@devstack1": "ok",
		"task.migrate_db@devstack1": "would_change", "task.stamp_schema@devstack1": "would_change", "task.db_dump@devstack1": "would_change",
		"task.db_dump_kept@devstack1": "would_change", "task.restart@devstack1": "would_change",
		"task.guest_conf[mysql]@devstack1": "would_change"} {
		if st[task] != want {
			t.Errorf("check: %s is %q, want %q", task, st[task], want)
		}
	}
	if got, want := r.withStatus("unpredictable"), []string{"task.schema_after@devstack1", "task.services_after@devstack1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("check cannot predict %v, want %v", got, want)
	}
	if got := l.state(t); got != before {
		t.Fatalf("check mode changed devstack1:\n%s\n->\n%s", before, got)
	}

	// The run.
	page := filepath.Join(t.TempDir(), "trove-upgrade.html")
	r = l.runbook(t, "run", append(with(), "conf_default={ agent_call_high_timeout = \"1300\" }", "--report", page)...)
	if r.code != exitChanges {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The run's report page, in a real Chromium: every task instance of
	// the run with its status and duration.
	checkReportPage(t, page, r, 0)
	if got := r.finished()["task.restart@devstack1"]; got != "changed" {
		t.Errorf("run: restart is %q, want changed", got)
	}
	if got := l.schema(t); got != "alembic 7ee6154548a6" {
		t.Errorf("schema after the run: %q, want alembic 7ee6154548a6 (2025.1's head)", got)
	}
	if v := l.apiCode(t); v != "23.0.0" {
		t.Errorf("after the run the API runs %s, want 23.0.0 (apache2 restarted)", v)
	}
	if got := l.sh(t, `sed -n '/^\[mysql\]/,/^\[/p' /etc/trove/trove-guestagent.conf`); !strings.Contains(got, "docker_image = quay.io/openstack.trove/mysql") {
		t.Errorf("trove-guestagent.conf [mysql]: %q", got)
	}
	if got := l.sh(t, `grep -c docker_image /etc/trove/trove.conf || true`); got != "0" {
		t.Errorf("docker_image went into trove.conf (%s lines): it is a guest option", got)
	}
	if got := l.sh(t, `grep -c '^agent_call_high_timeout = 1300' /etc/trove/trove.conf || true`); got != "1" {
		t.Errorf("trove.conf [DEFAULT] option not written")
	}
	if ds, _ := filepath.Glob(dumps + "trove-db-schema-48.sql.gz"); len(ds) != 1 {
		t.Errorf("no dump of the schema-48 database in %s", dumps)
	}
	units := l.units(t)

	// Again: nothing to do, nothing restarted.
	r = l.runbook(t, "run", append(with(), "conf_default={ agent_call_high_timeout = \"1300\" }")...)
	if r.code != exitOK {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stdout)
	}
	if got := l.units(t); got != units {
		t.Errorf("the second run restarted something:\n%s\n->\n%s", units, got)
	}
	r = l.runbook(t, "check", append(with(), "conf_default={ agent_call_high_timeout = \"1300\" }")...)
	if r.code != exitOK {
		t.Fatalf("check on the upgraded controllers: exit %d\n%s", r.code, r.stdout)
	}

	// New code again (a package update), with apache2 left out of
	// trove_units as the old runbook had it: the units listed restart, the
	// API keeps the old code, and the run says so instead of passing.
	l.install(t, "2025.1") // a fresh switch: the code's change time moves
	noApache := strings.Replace(string(mustRead(t, l.inv)), `trove_units   = ["apache2", "devstack@tr-cond", "devstack@tr-tmgr"]`, `trove_units   = ["devstack@tr-cond", "devstack@tr-tmgr"]`, 1)
	inv := l.inv
	l.inv = writeFile(t, "lab-noapache.hcl", noApache)
	r = l.runbook(t, "run", with()...)
	l.inv = inv
	reason := reasonOf(r, "task.new_code_serving")
	if r.code != exitError || !strings.Contains(reason, "(wsgi:trove-api)") || !strings.Contains(reason, "add the service that runs them to trove_units") {
		t.Fatalf("a forgotten apache2: exit %d, new_code_serving %q", r.code, reason)
	}
	r = l.runbook(t, "run", with()...)
	if r.code != exitChanges || r.finished()["task.restart@devstack1"] != "changed" {
		t.Fatalf("run with apache2 listed: exit %d, restart %q", r.code, r.finished()["task.restart@devstack1"])
	}

	// A bad option the run itself writes is caught before anything
	// restarts: the schema read (trove-manage) fails naming the value.
	units = l.units(t)
	r = l.runbook(t, "run", with(`conf_default={ debug = "maybe" }`)...)
	if reason := reasonOf(r, "task.schema_after"); r.code != exitError || !strings.Contains(reason, "maybe") || r.finished()["task.restart@devstack1"] == "changed" {
		t.Fatalf("a bad option: exit %d, schema_after %q, restart %q", r.code, reason, r.finished()["task.restart@devstack1"])
	}
	if got := l.units(t); got != units {
		t.Errorf("a run that failed on a bad option restarted something:\n%s\n->\n%s", units, got)
	}

	// A service that does not come back after the restart (its start
	// fails: a drop-in whose ExecStartPre fails, put there as the fault):
	// the restart step fails naming it, nothing goes green; once the
	// service can start again, the next run restarts what is stale.
	// The operator puts the good value back by hand (every read of the run
	// parses trove.conf first): trove.conf is newer than the services now.
	l.sh(t, `sed -i 's/^debug = maybe$/debug = true/' /etc/trove/trove.conf && grep -q '^debug = true$' /etc/trove/trove.conf`)
	const dropIn = "/run/systemd/system/devstack@tr-cond.service.d/lab-fault.conf"
	l.sh(t, `mkdir -p "$(dirname "$1")" && printf '[Service]\nExecStartPre=/bin/false\n' >"$1" && systemctl daemon-reload`, dropIn)
	r = l.runbook(t, "run", with("restart_timeout=40s")...)
	reason = reasonOf(r, "task.restart")
	if r.code != exitError || !strings.Contains(reason, "devstack@tr-cond") {
		t.Fatalf("a service that does not come back: exit %d, restart %q", r.code, reason)
	}
	if got := r.finished()["task.new_code_serving@devstack1"]; got == "ok" {
		t.Errorf("new_code_serving is ok after a failed restart")
	}
	l.sh(t, `rm -f "$1" && systemctl daemon-reload && systemctl reset-failed devstack@tr-cond`, dropIn)
	r = l.runbook(t, "run", with()...)
	if r.code != exitChanges || r.finished()["task.restart@devstack1"] != "changed" {
		t.Fatalf("run once the service can start: exit %d, restart %q\n%s", r.code, r.finished()["task.restart@devstack1"], r.stdout)
	}
	if got := l.units(t); strings.Count(got, " active ") != 3 {
		t.Errorf("after the run once the service can start:\n%s", got)
	}

	// A downgrade (zed's code on 2025.1's schema) is refused before anything.
	l.install(t, "zed")
	before = l.state(t)
	r = l.runbook(t, "run", with("from_release=2025.1", "target_release=zed")...)
	if r.code != exitError || !strings.Contains(reasonOf(r, "task.release_path"), "a downgrade") {
		t.Fatalf("downgrade: exit %d, release_path %q", r.code, reasonOf(r, "task.release_path"))
	}
	if got := l.state(t); got != before {
		t.Fatalf("a refused downgrade changed devstack1:\n%s\n->\n%s", before, got)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
