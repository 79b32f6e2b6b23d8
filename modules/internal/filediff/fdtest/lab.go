package fdtest

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
)

// LabConn connects over SSH (the project's own transport, host keys
// checked strictly) to the first host of lab/systemd: a systemd-nspawn
// container whose root is an overlay, so writing under /etc there never
// touches this machine. It skips the test when the lab is not up, and
// fails it when RUNBOOK_LAB_REQUIRED=1 (as in CI).
func LabConn(t testing.TB) (transport.Conn, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests are not short")
	}
	root := os.Getenv("RUNBOOK_LAB_DIR")
	if root == "" {
		root = "/tmp/runbook-lab"
	}
	absent := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	envPath := filepath.Join(root, "systemd", "env")
	f, err := os.Open(envPath)
	if err != nil {
		absent("systemd lab not available (%v); start it with lab/systemd/up.sh", err)
	}
	defer f.Close()
	env := map[string]string{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	names := strings.Split(env["LAB_SYSTEMD_HOSTS"], ",")
	addrs := strings.Split(env["LAB_SYSTEMD_ADDRESSES"], ",")
	if names[0] == "" || len(addrs) != len(names) {
		absent("systemd lab env %s lists no hosts", envPath)
	}
	pool := ssh.NewPool(ssh.Options{ConfigFile: "none", AgentSocket: "none", HomeDir: t.TempDir()})
	t.Cleanup(func() { _ = pool.Close() })
	ep := &transport.Endpoint{
		Name: names[0], Transport: "ssh", Address: addrs[0], Port: 22, User: env["LAB_SYSTEMD_USER"],
		PrivateKey: env["LAB_SYSTEMD_KEY"], KnownHosts: env["LAB_SYSTEMD_KNOWN_HOSTS"],
		HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pool.Dial(ctx, ep)
	if err == nil {
		_, err = conn.Exec(ctx, &transport.Cmd{Argv: []string{"true"}})
	}
	if err != nil {
		absent("systemd lab host %s (%s) not reachable: %v (run lab/systemd/up.sh)", names[0], addrs[0], err)
	}
	return conn, names[0]
}

// LabDir makes a fresh directory under parent on the lab host (e.g. /etc,
// which is the host's own overlay) and removes it after the test.
func LabDir(t testing.TB, conn transport.Conn, parent string) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"mktemp", "-d", parent + "/rb-test.XXXXXXXX"}})
	if err != nil || res.RC != 0 {
		t.Fatalf("mktemp on the lab host: %v %+v", err, res)
	}
	dir := strings.TrimSpace(string(res.Stdout))
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"rm", "-rf", "--", dir}})
	})
	return dir
}

// HostSnapshot lists everything under dir on the host with type, mode,
// owner, size, mtime and sha256 (of files), to prove a plan wrote nothing.
func HostSnapshot(t testing.TB, conn transport.Conn, dir string) string {
	t.Helper()
	script := `cd "$1" && find . -printf '%p %y %m %u:%g %s %T@ %l\n' | sort && find . -type f -exec sha256sum {} + | sort`
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"/bin/sh", "-c", script, "sh", dir}})
	if err != nil || res.RC != 0 {
		t.Fatalf("snapshot of %s on the lab host: %v %+v", dir, err, res)
	}
	return string(res.Stdout)
}

// HostExec runs argv on the host and returns its stdout; any failure
// fails the test.
func HostExec(t testing.TB, conn transport.Conn, argv ...string) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: argv})
	if err != nil || res.RC != 0 {
		t.Fatalf("%v on the lab host: %v %+v", argv, err, res)
	}
	return string(res.Stdout)
}
