package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// The host-module end-to-end tests run the shipped service-config example
// with the real binary against the systemd lab (lab/systemd/up.sh): real
// systemd in containers whose roots are overlays, root over SSH.

// systemdLab is the lab as these tests see it: its inventory and one
// connection per host (the project's own SSH transport, host keys checked)
// to set up and inspect the hosts behind the binary's back.
type systemdLab struct {
	inventory string
	hosts     []string
	conns     map[string]transport.Conn
}

func needSystemdLab(t *testing.T) *systemdLab {
	t.Helper()
	absent := func(format string, args ...any) {
		t.Helper()
		labtest.Absent(t, format, args...)
	}
	env := labtest.Env(t, "systemd")
	lab := &systemdLab{inventory: env["LAB_SYSTEMD_INVENTORY"], hosts: strings.Split(env["LAB_SYSTEMD_HOSTS"], ","), conns: map[string]transport.Conn{}}
	addrs := strings.Split(env["LAB_SYSTEMD_ADDRESSES"], ",")
	if lab.inventory == "" || lab.hosts[0] == "" || len(addrs) != len(lab.hosts) {
		absent("the systemd lab env lists no hosts")
	}
	pool := ssh.NewPool(ssh.Options{ConfigFile: "none", AgentSocket: "none", HomeDir: t.TempDir()})
	t.Cleanup(func() { _ = pool.Close() })
	for i, h := range lab.hosts {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := pool.Dial(ctx, &transport.Endpoint{
			Name: h, Transport: "ssh", Address: addrs[i], Port: 22, User: env["LAB_SYSTEMD_USER"],
			PrivateKey: env["LAB_SYSTEMD_KEY"], KnownHosts: env["LAB_SYSTEMD_KNOWN_HOSTS"],
			HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second,
		})
		if err == nil {
			_, err = c.Exec(ctx, &transport.Cmd{Argv: []string{"true"}})
		}
		cancel()
		if err != nil {
			absent("systemd lab host %s not reachable: %v", h, err)
		}
		lab.conns[h] = c
	}
	return lab
}

// sh runs a shell script (constant text; values as $1, $2...) on host and
// returns its stdout.
func (l *systemdLab) sh(t *testing.T, host, script string, args ...string) string {
	t.Helper()
	argv := append([]string{"/bin/sh", "-c", script, "sh"}, args...)
	res, err := l.conns[host].Exec(context.Background(), &transport.Cmd{Argv: argv})
	if err != nil || res.RC != 0 {
		t.Fatalf("on %s: %v rc %v: %s", host, err, res.RC, res.Stderr)
	}
	return string(res.Stdout)
}

// e2eUnit is a unit of the test's own on the lab hosts, so restarting it
// does not disturb the units other lab tests watch.
const e2eUnit = "rb-svcconf-e2e"

const e2eUnitFile = `[Unit]
Description=runbook e2e: the service of the service-config example
[Service]
Type=exec
ExecStart=/bin/sleep infinity
`

// hostState is what must not move in check mode: the config file (kind,
// owner, mode, checksum, and any backup next to it) and the unit's start.
func (l *systemdLab) hostState(t *testing.T, conf string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, h := range l.hosts {
		out[h] = l.sh(t, h, `ls -la --time-style=full-iso "$1"* 2>/dev/null; sha256sum "$1" 2>/dev/null; systemctl show -p ActiveEnterTimestamp,InvocationID "$2"`, conf, e2eUnit)
	}
	return out
}

func (l *systemdLab) started(t *testing.T, host string) string {
	t.Helper()
	return strings.TrimSpace(l.sh(t, host, `systemctl show -p ActiveEnterTimestampMonotonic --value "$1"`, e2eUnit))
}

func TestServiceConfigExampleOnSystemdLab(t *testing.T) {
	lab := needSystemdLab(t)
	conf := "/etc/rb-svcconf-e2e.conf"
	for _, h := range lab.hosts {
		if err := lab.conns[h].Upload(context.Background(), strings.NewReader(e2eUnitFile), "/etc/systemd/system/"+e2eUnit+".service", 0o644); err != nil {
			t.Fatal(err)
		}
		lab.sh(t, h, `rm -f "$1"; systemctl daemon-reload && systemctl restart "$2"`, conf, e2eUnit)
	}
	t.Cleanup(func() {
		for _, h := range lab.hosts {
			lab.sh(t, h, `systemctl stop "$2"; rm -f "/etc/systemd/system/$2.service" "$1"; systemctl daemon-reload`, conf, e2eUnit)
		}
	})
	args := []string{"-i", lab.inventory, "--var", "config=" + conf, "--var", `units=["` + e2eUnit + `"]`, "../../runbooks/examples/service-config"}
	cmd := func(verb string, more ...string) []string {
		return append(append([]string{verb, "--json"}, more...), args...)
	}
	sorted := func(tasks ...string) []string {
		var out []string
		for _, task := range tasks {
			for _, h := range lab.hosts {
				out = append(out, task+"@"+h)
			}
		}
		sort.Strings(out)
		return out
	}

	// 1. Check: says what would change, and changes nothing.
	before := lab.hostState(t, conf)
	check := run(t, nil, cmd("check")...)
	if check.code != exitChanges {
		t.Fatalf("check exit %d, want %d\n%s%s", check.code, exitChanges, check.stdout, check.stderr)
	}
	if after := lab.hostState(t, conf); !reflect.DeepEqual(before, after) {
		t.Fatalf("check mode changed the hosts:\nbefore %v\nafter  %v", before, after)
	}
	wantChange := sorted("task.service_conf", "task.database_conf", "handler.restart")
	if got := check.withStatus("would_change"); !reflect.DeepEqual(got, wantChange) {
		t.Fatalf("check would change %v, want %v\n%s", got, wantChange, check.stdout)
	}
	if got := check.withStatus("ok"); !reflect.DeepEqual(got, sorted("task.service_up")) {
		t.Errorf("check ok %v", got)
	}
	human := run(t, nil, append([]string{"check", "--diff"}, args...)...)
	for _, want := range []string{"+ [DEFAULT] api_workers: 2", "+ [DEFAULT] transport_url: rabbit://stackrabbit:(sensitive)@10.233.0.1:5672/", "+ [database] connection: (sensitive)", "+ mode: 0640", e2eUnit + ".service active: active -> active (restarted)"} {
		if !strings.Contains(human.stdout, want) {
			t.Errorf("check --diff lacks %q:\n%s", want, human.stdout)
		}
	}
	for _, secret := range []string{"demo-rabbit-pw", "demo-db-pw"} {
		if strings.Contains(human.stdout+human.stderr+check.stdout, secret) {
			t.Errorf("a secret (%s) was printed", secret)
		}
	}

	// 2. Run: exactly what check said changes; the unit restarted once.
	startedBefore := map[string]string{}
	for _, h := range lab.hosts {
		startedBefore[h] = lab.started(t, h)
	}
	first := run(t, nil, cmd("run")...)
	if first.code != exitChanges {
		t.Fatalf("run exit %d, want %d\n%s%s", first.code, exitChanges, first.stdout, first.stderr)
	}
	if got := first.withStatus("changed"); !reflect.DeepEqual(got, wantChange) {
		t.Errorf("run changed %v, check said %v\n%s", got, wantChange, first.stdout)
	}
	startedAfter := map[string]string{}
	for _, h := range lab.hosts {
		startedAfter[h] = lab.started(t, h)
		if startedAfter[h] == startedBefore[h] {
			t.Errorf("%s: %s was not restarted (ActiveEnterTimestamp %s)", h, e2eUnit, startedAfter[h])
		}
		got := lab.sh(t, h, `stat -c '%U %a' "$1"; cat "$1"`, conf)
		want := "root 640\n[DEFAULT]\napi_workers = 2\ncontrol_exchange = trove\ndebug = false\ntransport_url = rabbit://stackrabbit:demo-rabbit-pw@10.233.0.1:5672/\n\n[database]\nconnection = mysql+pymysql://trove:demo-db-pw@10.233.0.1/trove\n"
		if got != want {
			t.Errorf("%s: %s is\n%s\nwant\n%s", h, conf, got, want)
		}
	}

	// 3. Run again: nothing to do, the handler does not run.
	again := run(t, nil, cmd("run")...)
	if again.code != exitOK {
		t.Fatalf("second run exit %d, want 0\n%s", again.code, again.stdout)
	}
	if got := again.withStatus("changed"); len(got) != 0 {
		t.Errorf("second run changed %v", got)
	}
	for _, h := range lab.hosts {
		if st, ran := again.finished()["handler.restart@"+h]; ran && st != "skipped" {
			t.Errorf("the handler ran on %s in the second run: %s", h, st)
		}
		if s := lab.started(t, h); s != startedAfter[h] {
			t.Errorf("%s: %s restarted in the second run", h, e2eUnit)
		}
	}

	// 4. One option changes: check and run agree on the one task, and the
	// file keeps every other byte (an operator's comment survives).
	for _, h := range lab.hosts {
		lab.sh(t, h, `sed -i '1i # edited by hand: keep me' "$1"`, conf)
	}
	kept := map[string][]byte{}
	for _, h := range lab.hosts {
		var b bytes.Buffer
		if err := lab.conns[h].Download(context.Background(), conf, &b); err != nil {
			t.Fatal(err)
		}
		kept[h] = b.Bytes()
	}
	check = run(t, nil, cmd("check", "--var", "workers=8")...)
	wantChange = sorted("task.service_conf", "handler.restart")
	if got := check.withStatus("would_change"); check.code != exitChanges || !reflect.DeepEqual(got, wantChange) {
		t.Fatalf("check with workers=8: exit %d, would change %v, want %v", check.code, got, wantChange)
	}
	r := run(t, nil, cmd("run", "--var", "workers=8")...)
	if got := r.withStatus("changed"); r.code != exitChanges || !reflect.DeepEqual(got, wantChange) {
		t.Fatalf("run with workers=8: exit %d, changed %v, want %v", r.code, got, wantChange)
	}
	for _, h := range lab.hosts {
		var b bytes.Buffer
		if err := lab.conns[h].Download(context.Background(), conf, &b); err != nil {
			t.Fatal(err)
		}
		want := bytes.Replace(kept[h], []byte("api_workers = 2\n"), []byte("api_workers = 8\n"), 1)
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: after workers=8 the file is\n%s\nwant\n%s", h, b.Bytes(), want)
		}
		if s := lab.started(t, h); s == startedAfter[h] {
			t.Errorf("%s: not restarted after workers=8", h)
		}
	}
}

// hostmodsWant is what the hostmods runbook leaves in its directory.
var hostmodsWant = map[string]string{
	"api-paste.ini": "[pipeline:main]\npipeline = faultwrapper troveapi\n",
	"app.conf":      "[DEFAULT]\ndebug = true\npaste = %D/api-paste.ini\nworkers = 4\n",
	"hosts":         "10.0.0.5 ctl\n",
	"rendered.conf": "name = api\nport = 8779\nport = 8780\n",
	"stamp":         "made by a script\n",
}

func checkHostmodsDir(t *testing.T, dir string) {
	t.Helper()
	for name, want := range hostmodsWant {
		want = strings.ReplaceAll(want, "%D", dir)
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s holds %q (%v), want %q", name, b, err, want)
		}
	}
	if target, err := os.Readlink(filepath.Join(dir, "current.conf")); err != nil || target != "app.conf" {
		t.Errorf("current.conf -> %q (%v)", target, err)
	}
	for name, mode := range map[string]os.FileMode{"api-paste.ini": 0o640, "app.conf": 0o640, "rendered.conf": 0o644} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %v", name, fi.Mode(), err, mode)
		}
	}
}

// TestHostModulesCheckRunRerun runs every file module through the engine
// on the local transport: check changes nothing and predicts the run,
// diffs included (each plan reads what the tasks before it would leave:
// the ini what the copy writes, the fetch what the ini writes), the run
// makes the files, a second run changes nothing.
func TestHostModulesCheckRunRerun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	local := t.TempDir()
	args := []string{"--json", "--diff", "-i", "testdata/hostmods.inventory.hcl", "--var", "dir=" + dir, "--var", "local=" + local, "testdata/hostmods"}

	before, beforeLocal := snapshot(t, dir), snapshot(t, local)
	check := run(t, nil, append([]string{"check"}, args...)...)
	if check.code != exitChanges {
		t.Fatalf("check exit %d\n%s%s", check.code, check.stdout, check.stderr)
	}
	if !equalSnap(before, snapshot(t, dir)) || !equalSnap(beforeLocal, snapshot(t, local)) {
		t.Fatal("check mode wrote files")
	}
	wouldChange := check.withStatus("would_change")
	if want := []string{"task.conf@local1", "task.fetch@local1", "task.ini@local1", "task.line@local1", "task.link@local1", "task.script@local1", "task.tpl@local1"}; !reflect.DeepEqual(wouldChange, want) {
		t.Errorf("would change %v, want %v", wouldChange, want)
	}

	r := run(t, nil, append([]string{"run"}, args...)...)
	if r.code != exitChanges {
		t.Fatalf("run exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkPredictsRun(t, "hostmods", check, r)
	checkHostmodsDir(t, dir)
	fetched := filepath.Join(local, "local1", dir, "app.conf")
	if b, err := os.ReadFile(fetched); err != nil || string(b) != strings.ReplaceAll(hostmodsWant["app.conf"], "%D", dir) {
		t.Errorf("fetched %s: %q %v", fetched, b, err)
	}

	again := run(t, nil, append([]string{"run"}, args...)...)
	if again.code != exitOK || len(again.withStatus("changed")) != 0 {
		t.Fatalf("second run: exit %d, changed %v\n%s", again.code, again.withStatus("changed"), again.stdout)
	}
	if check := run(t, nil, append([]string{"check"}, args...)...); check.code != exitOK {
		t.Errorf("check after the run: exit %d", check.code)
	}
}

// TestHostModulesWithBecomeOverSSH runs the same runbook over SSH as a
// user who cannot write the directory, with become (sudo with a
// password): files are staged and moved into place as root, with root's
// owner and the asked modes. Without become the same runbook fails with
// "permission denied" on the files root owns, and changes nothing.
func TestHostModulesWithBecomeOverSSH(t *testing.T) {
	l := needSSHLab(t)
	pw, err := os.ReadFile(l.get("LAB_SSH_BECOME_PASSWORD_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(pw))
	// h01 is a loopback sshd on this machine: its files are ours to check.
	parent, err := os.MkdirTemp("", "rb-become-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "conf")
	local := t.TempDir()
	env := []string{"RUNBOOK_VAR_sudo_password=" + secret}
	args := func(become bool) []string {
		return []string{"run", "--json", "-i", l.get("LAB_SSH_INVENTORY_HCL"), "--var", `hosts=["h01"]`, "--var", fmt.Sprintf("become=%v", become),
			"--var", "dir=" + dir, "--var", "local=" + local, "testdata/hostmods"}
	}
	r := run(t, env, args(true)...)
	if r.code != exitChanges {
		t.Fatalf("run with become: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkHostmodsDir(t, dir)
	for _, name := range []string{"api-paste.ini", "app.conf", "rendered.conf", "hosts", "stamp", "."} {
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 {
			t.Errorf("%s belongs to uid %d, want root", name, st.Uid)
		}
	}
	if left, _ := filepath.Glob(dir + "/.*"); len(left) > 0 {
		t.Errorf("staging files left: %v", left)
	}
	if again := run(t, env, args(true)...); again.code != exitOK {
		t.Errorf("second run with become: exit %d\n%s", again.code, again.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatal("the sudo password was printed")
	}

	before := snapshot(t, dir)
	noBecome := run(t, nil, args(false)...)
	if noBecome.code != exitError {
		t.Fatalf("run without become: exit %d, want 1\n%s", noBecome.code, noBecome.stdout)
	}
	ev := noBecome.event("task_finished", "task.conf")
	if ev == nil || ev["status"] != "failed" || !strings.Contains(fmt.Sprint(ev["reason"]), "permission denied") {
		t.Errorf("copy over a root-only file without become: %v", ev)
	}
	if !equalSnap(before, snapshot(t, dir)) {
		t.Error("the failed run changed the directory")
	}
}
