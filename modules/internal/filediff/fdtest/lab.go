package fdtest

import (
	"context"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
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
	return labtest.SystemdHost(t)
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
