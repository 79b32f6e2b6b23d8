// Package labtest gives tests the real hosts of the project's lab
// (lab/ssh, lab/systemd, lab/mariadb, lab/openstack, lab/containers): it reads the env
// files the lab scripts write under $RUNBOOK_LAB_DIR and dials hosts with
// the project's own SSH transport, host keys checked strictly.
//
// Lab tests run only when asked (internal/labdir): RUNBOOK_LAB_REQUIRED=1,
// as `make test` and CI set it, or an explicit RUNBOOK_LAB_DIR; a lab that
// merely happens to be up is not used. A test that needs a lab part that
// is not up is skipped, or failed under RUNBOOK_LAB_REQUIRED=1, so a
// missing lab can never pass silently. It is test support only: nothing
// outside tests imports it.
package labtest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
	"github.com/runbook-dev/runbook/internal/labdir"
)

// Dir is where the lab keeps its state (internal/labdir).
func Dir() string { return labdir.Dir() }

// Required reports whether a missing lab fails tests instead of skipping.
func Required() bool { return labdir.Required() }

// Absent skips the test, or fails it when the lab is required.
func Absent(t testing.TB, format string, args ...any) {
	t.Helper()
	labdir.Absent(t, format, args...)
}

// Env returns the env file of a lab part ("ssh", "systemd", "mariadb",
// "openstack"): it skips the test unless lab tests are asked for
// (RUNBOOK_LAB_REQUIRED=1 or RUNBOOK_LAB_DIR), and when that part is not
// up (fails it when the lab is required).
func Env(t testing.TB, part string) map[string]string {
	t.Helper()
	return labdir.Env(t, part)
}

func pool(t testing.TB, opts ssh.Options) *ssh.Pool {
	opts.ConfigFile, opts.AgentSocket, opts.HomeDir = "none", "none", t.TempDir()
	p := ssh.NewPool(opts)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func dial(t testing.TB, ep *transport.Endpoint, part string, opts ...ssh.Options) transport.Conn {
	t.Helper()
	var o ssh.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pool(t, o).Dial(ctx, ep)
	if err == nil {
		_, err = conn.Exec(ctx, &transport.Cmd{Argv: []string{"true"}})
	}
	if err != nil {
		Absent(t, "%s lab host %s (%s): %v (start it with lab/up.sh %s)", part, ep.Name, ep.Address, err, part)
	}
	return conn
}

// SSHConn dials a host of lab/ssh as its non-root user: the first network
// namespace host when there is one (its writes land in an overlay and
// never reach this machine's /), else the first loopback host (then write
// only under a fresh TempDir).
func SSHConn(t testing.TB) transport.Conn {
	t.Helper()
	return sshHost(t, true)
}

// SSHLoopbackConn dials the last loopback host of lab/ssh: its sshd runs
// on this machine itself, so what the login (or sudo) sees is this
// machine's / and /tmp, e.g. a lab part's files. The last one, because
// tests that count logins watch the first (h01). Write only under a fresh
// TempDir.
func SSHLoopbackConn(t testing.TB) transport.Conn {
	t.Helper()
	return sshHost(t, false)
}

// SSHLastLoopbackHost is the name of the host SSHLoopbackConn dials.
func SSHLastLoopbackHost(t testing.TB) string {
	t.Helper()
	_, name := lastLoopback(t, Env(t, "ssh"))
	return name
}

func lastLoopback(t testing.TB, env map[string]string) (*transport.Endpoint, string) {
	t.Helper()
	b, err := os.ReadFile(env["LAB_SSH_HOSTS_JSON"])
	if err != nil {
		Absent(t, "ssh lab hosts: %v", err)
	}
	var hosts []struct {
		Name, Address, User, Netns, Jump string
		Port                             int
	}
	if err := json.Unmarshal(b, &hosts); err != nil {
		Absent(t, "ssh lab hosts.json: %v", err)
	}
	for i := len(hosts) - 1; i >= 0; i-- {
		h := hosts[i]
		if h.Netns == "" && h.Jump == "" && h.Name != env["LAB_SSH_JUMP"] {
			return &transport.Endpoint{Name: h.Name, Transport: "ssh", Address: h.Address, Port: h.Port, User: h.User,
				PrivateKey: env["LAB_SSH_KEY"], KnownHosts: env["LAB_SSH_KNOWN_HOSTS"],
				HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second}, h.Name
		}
	}
	Absent(t, "ssh lab lists no loopback host")
	return nil, ""
}

func sshHost(t testing.TB, netnsFirst bool) transport.Conn {
	t.Helper()
	env := Env(t, "ssh")
	if !netnsFirst {
		ep, _ := lastLoopback(t, env)
		t.Logf("lab host %s (%s:%d)", ep.Name, ep.Address, ep.Port)
		return dial(t, ep, "ssh")
	}
	b, err := os.ReadFile(env["LAB_SSH_HOSTS_JSON"])
	if err != nil {
		Absent(t, "ssh lab hosts: %v", err)
	}
	var hosts []struct {
		Name, Address, User, Netns, Jump string
		Port                             int
	}
	if err := json.Unmarshal(b, &hosts); err != nil {
		Absent(t, "ssh lab hosts.json: %v", err)
	}
	var pick *transport.Endpoint
	for _, netns := range []bool{true, false} {
		for _, h := range hosts {
			if pick == nil && (h.Netns != "") == netns && h.Jump == "" && h.Name != env["LAB_SSH_JUMP"] {
				pick = &transport.Endpoint{Name: h.Name, Transport: "ssh", Address: h.Address, Port: h.Port, User: h.User,
					PrivateKey: env["LAB_SSH_KEY"], KnownHosts: env["LAB_SSH_KNOWN_HOSTS"],
					HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second}
			}
		}
	}
	if pick == nil {
		Absent(t, "ssh lab lists no directly reachable host")
	}
	t.Logf("lab host %s (%s:%d)", pick.Name, pick.Address, pick.Port)
	return dial(t, pick, "ssh")
}

// SystemdHost dials the first host of lab/systemd (a real systemd, root
// over SSH) and returns the Conn and the host's name.
func SystemdHost(t testing.TB) (transport.Conn, string) {
	t.Helper()
	return SystemdHostWith(t, ssh.Options{})
}

// SystemdHostWith is SystemdHost on a pool of its own with opts (the
// pool's ~/.ssh, agent and config are always none).
func SystemdHostWith(t testing.TB, opts ssh.Options) (transport.Conn, string) {
	t.Helper()
	env := Env(t, "systemd")
	names := strings.Split(env["LAB_SYSTEMD_HOSTS"], ",")
	addrs := strings.Split(env["LAB_SYSTEMD_ADDRESSES"], ",")
	if len(names) == 0 || names[0] == "" || len(addrs) != len(names) {
		Absent(t, "systemd lab env lists no hosts")
	}
	ep := &transport.Endpoint{
		Name: names[0], Transport: "ssh", Address: addrs[0], Port: 22, User: env["LAB_SYSTEMD_USER"],
		PrivateKey: env["LAB_SYSTEMD_KEY"], KnownHosts: env["LAB_SYSTEMD_KNOWN_HOSTS"],
		HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second,
	}
	return dial(t, ep, "systemd", opts), names[0]
}

// SystemdUnits takes the systemd lab's test units (rb-ok, rb-disabled,
// rb-fail...) on its first host for the test: an exclusive lock on
// $LAB_DIR/systemd/units.lock, held until the test ends, so that a test
// of one package that starts or stops them never runs while a test of
// another package (go test runs packages in parallel) does. Call it once
// per test, never again from its subtests.
func SystemdUnits(t testing.TB) {
	t.Helper()
	labdir.Need(t)
	lock, err := os.OpenFile(filepath.Join(labdir.Dir(), "systemd", "units.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		Absent(t, "systemd lab not up (%v); start it with lab/up.sh systemd", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		lock.Close()
		t.Fatalf("systemd lab units lock: %v", err)
	}
	t.Cleanup(func() { lock.Close() }) // closing releases the lock
}

// TempDir makes a fresh directory on the host and removes it after the
// test.
func TempDir(t testing.TB, conn transport.Conn, prefix string) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"mktemp", "-d", "/tmp/" + prefix + ".XXXXXXXX"}})
	if err != nil || res.RC != 0 {
		t.Fatalf("mktemp on the lab host: %v %v", err, res)
	}
	dir := strings.TrimSpace(string(res.Stdout))
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"rm", "-rf", "--", dir}})
	})
	return dir
}
