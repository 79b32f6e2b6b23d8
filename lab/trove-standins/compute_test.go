package standins_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestComputeRestart: the compute stand-in keeps its state across its own
// restart, and a host coming back starts the guests of its ACTIVE servers:
// an instance whose guest died (agent and MariaDB killed, as a hypervisor
// crash would) is HEALTHY again with its data after the stand-in restarts.
// Not parallel: it restarts the stand-in every release's instances use.
func TestComputeRestart(t *testing.T) {
	l := newLab(t, "18")
	a := l.mustCreate(createOpts{name: l.prefix + "-cr", version: l.env["LAB_DATASTORE_VERSION"], withData: true})
	a = l.waitHealthy(a.ID)
	l.exec(a, "CREATE TABLE Persons (id INT PRIMARY KEY, name VARCHAR(50))", "INSERT INTO Persons VALUES (7, 'Grace')")
	srv := l.server(a.ID)

	// the guest dies with its MariaDB: Trove sees the database go away
	pidfile := filepath.Join(l.env["LAB_STANDINS_COMPUTE_STATE"], "servers", srv.ID, "guest.pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("guest pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the guest of %s: %v", a.Name, err)
	}
	l.wait(a.ID, "not HEALTHY without its guest", 3*time.Minute, func(i instance) bool { return !i.healthy() })

	out, err := exec.Command("./compute.sh", "restart").CombinedOutput()
	if err != nil {
		t.Fatalf("compute.sh restart: %v\n%s", err, out)
	}
	if s := l.server(a.ID); s.ID != srv.ID || s.Status != "ACTIVE" {
		t.Errorf("after its restart the stand-in has server %s %s, want %s ACTIVE", s.ID, s.Status, srv.ID)
	}
	a = l.waitHealthy(a.ID)
	if got := l.persons(a); !slices.Equal(got, []string{"7:Grace"}) {
		t.Errorf("after the host came back %s has rows %v", a.Name, got)
	}
}
