package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The instance side of runbooks/trove-upgrade on devstack1, with the
// stand-ins of lab/trove-standins behind it (compute, a guest agent and a
// real MariaDB per instance, Swift): the seed's scenario in both modes and
// what must be caught. What the tests check is read independently of the
// upgrade runbook: Trove's database and the guests' units and files over
// SSH, the rows through the instance's address (runbooks/trove-upgrade/
// lab-verify: `select * from Persons` from the control node).

const seedPassword = "lab-test-pw" // lab-seed's default

// seed runs lab-seed: instance test on Trove 18 (zed) with testdb, user
// test and the Persons row, then installs the new release (the operator's
// package upgrade: nothing restarts).
func (l *devstackLab) seed(t *testing.T) {
	t.Helper()
	r := run(t, l.cloudEnv(), "run", "--json", "-i", l.inv, "--var", "network="+l.env["LAB_DEVSTACK_PRIVATE_NET"],
		"--var", "flavor="+l.env["LAB_DEVSTACK_FLAVOR_ID"], filepath.Join(l.root, "runbooks", "trove-upgrade", "lab-seed"))
	if r.code != exitChanges {
		t.Fatalf("lab-seed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	l.persons(t, "test", true)
	l.install(t, "2025.1")
}

func (l *devstackLab) cloudEnv() []string {
	return []string{"OS_CLIENT_CONFIG_FILE=" + l.env["LAB_DEVSTACK_CLOUDS_YAML"], "OS_CLIENT_SECURE_FILE=" + l.env["LAB_DEVSTACK_SECURE_YAML"]}
}

// persons reads `select * from Persons` through the instance's address
// (lab-verify) and wants (or not) the seeded row there.
func (l *devstackLab) persons(t *testing.T, name string, want bool) {
	t.Helper()
	r := run(t, l.cloudEnv(), "run", "--json", "-i", l.inv, "--var", "name="+name, filepath.Join(l.root, "runbooks", "trove-upgrade", "lab-verify"))
	if got := r.code == exitOK; got != want {
		t.Fatalf("select * from Persons on %s: exit %d (want the seeded row: %v): %s\n%s", name, r.code, want, reasonOf(r, "task.same_row"), r.stderr)
	}
}

// instance is an instance as Trove's database and the compute host have it.
type instance struct {
	Name, ID, Server, Task, Version, Started string
	Deleted                                  bool
}

// instances reads every instance of Trove's database (deleted ones too),
// newest last, with the start time of its guest's unit.
func (l *devstackLab) instances(t *testing.T) map[string]instance {
	t.Helper()
	// (no empty column: read splits on runs of tabs; Trove clears a deleted
	// instance's datastore version)
	out := l.sh(t, `mariadb -uroot -N -B trove -e "SELECT i.name, i.id, IFNULL(NULLIF(i.compute_instance_id, ''), '-'), IFNULL(i.task_id, '-'), IFNULL(v.name, '-'), i.deleted
		FROM instances i LEFT JOIN datastore_versions v ON v.id = i.datastore_version_id ORDER BY i.created" |
		while IFS='	' read -r name id server task version deleted; do
			started=$(systemctl show -p ActiveEnterTimestampMonotonic --value "lab-guest@$server" 2>/dev/null)
			echo "$name $id $server $task $version $deleted ${started:-0}"
		done`)
	m := map[string]instance{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 7 {
			continue
		}
		m[f[0]] = instance{Name: f[0], ID: f[1], Server: f[2], Task: f[3], Version: f[4], Deleted: f[5] == "1", Started: f[6]}
	}
	return m
}

// guestFile is a file as Trove injected it into the instance's guest (its
// root disk on the compute host).
func (l *devstackLab) guestFile(t *testing.T, server, path string) string {
	t.Helper()
	return l.sh(t, `cat "$1/servers/$2/root$3"`, l.env["LAB_DEVSTACK_COMPUTE_STATE"], server, path)
}

// fault arms a stand-in fault (lab/trove-standins/standins/faults.py) for
// the instance or server named match, once.
func (l *devstackLab) fault(t *testing.T, name, match string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"entries": []map[string]any{{"match": match, "times": 1}}})
	l.sh(t, `mkdir -p "$1" && printf '%s' "$3" >"$1/$2.json"`, l.env["LAB_DEVSTACK_FAULTS_DIR"], name, string(b))
}

// The seed's scenario, in place (upstream's procedure from Victoria on):
// check changes nothing, the run rebuilds `test` from the new image with the
// guest options Trove injected, the row is still there, a rerun and a check
// change nothing. Then a rebuild to an image Glance does not have: the
// instance goes to ERROR, the run fails naming it, and so does the next run.
func TestTroveUpgradeInPlaceOnDevstack(t *testing.T) {
	l := needDevstack(t)
	l.seed(t)
	dumps := "dump_dir=" + t.TempDir() + "/"
	before := l.instances(t)["test"]
	state := l.state(t)

	r := l.runbook(t, "check", dumps)
	if r.code != exitChanges {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := l.state(t); got != state {
		t.Fatalf("check mode changed devstack1:\n%s\n->\n%s", state, got)
	}
	if got := l.instances(t)["test"]; got != before {
		t.Fatalf("check mode touched instance test: %+v -> %+v", before, got)
	}

	r = l.runbook(t, "run", dumps)
	if r.code != exitChanges {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := r.finished()["task.rebuild_guest["+before.ID+"]@localhost"]; got != "changed" {
		t.Errorf("rebuild_guest of test: %q, want changed", got)
	}
	after := l.instances(t)["test"]
	if after.Started == before.Started || after.Server != before.Server {
		t.Errorf("test was not rebuilt in place (same server, guest restarted): %+v -> %+v", before, after)
	}
	l.persons(t, "test", true)
	if v := l.apiCode(t); v != "23.0.0" {
		t.Errorf("the API runs %s after the run", v)
	}
	// The guest options as the guest received them from Trove at rebuild.
	if got := l.guestFile(t, after.Server, "/etc/trove/conf.d/trove-guestagent.conf"); !strings.Contains(got, "docker_image = quay.io/openstack.trove/mysql") {
		t.Errorf("the rebuilt guest's trove-guestagent.conf has no [mysql] docker_image:\n%s", got)
	}

	units := l.units(t)
	r = l.runbook(t, "run", dumps)
	if r.code != exitOK {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stdout)
	}
	if got := l.instances(t)["test"]; got != after {
		t.Errorf("the second run touched test: %+v -> %+v", after, got)
	}
	if got := l.units(t); got != units {
		t.Errorf("the second run restarted something:\n%s\n->\n%s", units, got)
	}
	r = l.runbook(t, "check", "--diff", dumps)
	if r.code != exitOK {
		t.Fatalf("check --diff on the upgraded cloud: exit %d\n%s", r.code, r.stdout)
	}

	// Checks around a rebuild, when asked (rebuild_backup, rebuild_checksum):
	// a rebuild (back to the first image) whose guest loses a row fails the
	// run at verify_rebuilt, naming the instance and the table, after a
	// fresh backup was taken.
	guarded := []string{dumps, "image_id=" + l.env["LAB_DEVSTACK_IMAGE_ID"], "rebuild_backup=true", "rebuild_checksum=true",
		`verify_db={ user = "test", database = "testdb" }`, "verify_db_password=" + seedPassword}
	l.fault(t, "rebuild_lose_row", "test")
	r = l.runbook(t, "run", guarded...)
	if r.code != exitError {
		t.Fatalf("run with a rebuild that loses a row: exit %d\n%s", r.code, r.stdout)
	}
	if reason := reasonOf(r, "task.verify_rebuilt"); !strings.Contains(reason, "Persons") || !strings.Contains(reason, "1 rows -> 0") || !strings.Contains(reason, "test") {
		t.Errorf("verify_rebuilt: %q, want test's Persons named (1 row -> 0)", reason)
	}
	if got := r.finished()["task.rebuild_backup["+before.ID+"]@localhost"]; got != "changed" {
		t.Errorf("rebuild_backup of test: %q, want changed (a backup before the rebuild)", got)
	}
	if b, c := r.index("task_finished", "task.rebuild_backup"), r.index("task_finished", "task.rebuild_guest"); b < 0 || b > c {
		t.Errorf("the backup did not come before the rebuild (events %d, %d)", b, c)
	}
	l.persons(t, "test", false) // the fault did act: the row is gone

	// A new guest image that Glance does not have: the rebuild puts the
	// instance in ERROR; the run fails naming it, and a rerun too (the old
	// version's instances are all "upgraded": only the instance's state
	// tells).
	missing := "image_id=6f1c5c2e-0000-4000-8000-00000000dead"
	r = l.runbook(t, "run", dumps, missing)
	if r.code != exitError {
		t.Fatalf("run with a missing image: exit %d\n%s", r.code, r.stdout)
	}
	if reason := reasonOf(r, "task.rebuild_guest"); !strings.Contains(reason, "ERROR") || !strings.Contains(reason, "test") {
		t.Errorf("rebuild_guest with a missing image: %q", reason)
	}
	r = l.runbook(t, "run", dumps, missing)
	if reason := reasonOf(r, "task.fleet_healthy"); r.code != exitError || !strings.Contains(reason, "instance test ("+before.ID) || !strings.Contains(reason, "ERROR") {
		t.Fatalf("rerun after the failed rebuild: exit %d, fleet_healthy %q", r.code, reason)
	}
}

// The seed's scenario, backup + restore (guests of Ussuri or older): the
// backup is taken while the old controller serves it; a restore that lost a
// row fails the run, the restored instance is deleted and the old one is
// untouched; the next run restores again, compares the rows (select),
// deletes the old instance (confirmed), and a rerun changes nothing.
func TestTroveUpgradeBackupRestoreOnDevstack(t *testing.T) {
	l := needDevstack(t)
	l.seed(t)
	vars := []string{"dump_dir=" + t.TempDir() + "/", "upgrade_mode=backup-restore", "verify_data=select", `verify_tables=["Persons"]`,
		`verify_db={ user = "test", database = "testdb" }`, "verify_db_password=" + seedPassword, "delete_old_instances=true"}
	old := l.instances(t)["test"]

	r := l.runbook(t, "check", vars...)
	if r.code != exitChanges {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A restore that loses a row.
	l.fault(t, "restore_lose_row", "test-2025.1")
	r = l.runbook(t, "run", vars...)
	if r.code != exitError {
		t.Fatalf("run with a restore that loses a row: exit %d\n%s", r.code, r.stdout)
	}
	if reason := reasonOf(r, "task.verify_restored"); !strings.Contains(reason, "Persons") {
		t.Errorf("verify_restored: %q, want the Persons rows named", reason)
	}
	if ev := r.event("task_finished", "task.backup_old"); ev == nil || ev["status"] != "changed" {
		t.Errorf("backup_old of test: %v", ev)
	} else if ev["key"] != "test" {
		t.Errorf("backup_old's instance key is %v, want test (only verify_db_password is secret)", ev["key"])
	}
	if strings.Contains(r.stdout+r.stderr, seedPassword) {
		t.Errorf("the verify password shows in the run's output")
	}
	if i := r.index("task_finished", "task.backup_old"); i < 0 || i > r.index("task_finished", "task.restart") {
		t.Errorf("the backup was not taken before the controllers restarted (events %d, %d)", i, r.index("task_finished", "task.restart"))
	}
	now := l.instances(t)
	if rest, ok := now["test-2025.1"]; !ok || !rest.Deleted {
		t.Errorf("the restore that lost a row was not deleted: %+v", rest)
	}
	if got := now["test"]; got != old {
		t.Errorf("the old instance was touched: %+v -> %+v", old, got)
	}
	l.persons(t, "test", true)

	// Again, without the fault: restored, rows compared, the old one deleted.
	r = l.runbook(t, "run", vars...)
	if r.code != exitChanges {
		t.Fatalf("run after the fault: exit %d\n%s", r.code, r.stdout)
	}
	now = l.instances(t)
	if !now["test"].Deleted {
		t.Errorf("test not deleted after its restore verified")
	}
	if rest := now["test-2025.1"]; rest.Deleted || rest.Server == "-" {
		t.Fatalf("no restored instance: %+v", rest)
	}
	l.persons(t, "test-2025.1", true)

	r = l.runbook(t, "run", vars...)
	if r.code != exitOK {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stdout)
	}
	r = l.runbook(t, "check", append([]string{"--diff"}, vars...)...)
	if r.code != exitOK {
		t.Fatalf("check --diff on the upgraded cloud: exit %d\n%s", r.code, r.stdout)
	}
}
