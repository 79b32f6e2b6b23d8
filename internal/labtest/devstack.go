package labtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labdir"
)

// Devstack is lab/devstack's devstack1 (a DevStack-shaped Trove control
// plane), held by one test at a time.
type Devstack struct {
	Env  map[string]string
	Root transport.Conn // root over SSH, host key checked
	t    testing.TB
}

// DevstackHost takes devstack1 for the test: an exclusive lock on
// $LAB_DIR/devstack/lock, held until the test ends, so that tests of other
// packages (go test runs packages in parallel) never see what this test
// does to the host. Tests that want the host as lab/devstack/up.sh left it
// after stacking call Reset.
func DevstackHost(t testing.TB) *Devstack {
	t.Helper()
	// The lock first, the env file after: another package's test may be
	// in the middle of a Reset, whose down.sh removes the env file until
	// up.sh writes it again.
	labdir.Need(t)
	dir := filepath.Join(labdir.Dir(), "devstack")
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		Absent(t, "devstack lab not up (%v); start it with lab/up.sh devstack", err)
	}
	start := time.Now()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		lock.Close()
		t.Fatalf("devstack lab lock: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Logf("waited %s for devstack1 (another test had it)", d.Round(time.Second))
	}
	t.Cleanup(func() { lock.Close() }) // closing releases the lock
	env := Env(t, "devstack")
	ep := &transport.Endpoint{
		Name: env["LAB_DEVSTACK_HOST"], Transport: "ssh", Address: env["LAB_DEVSTACK_ADDRESS"], Port: 22,
		User: env["LAB_DEVSTACK_USER"], PrivateKey: env["LAB_DEVSTACK_KEY"], KnownHosts: env["LAB_DEVSTACK_KNOWN_HOSTS"],
		HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second,
	}
	return &Devstack{Env: env, Root: dial(t, ep, "devstack"), t: t}
}

// devstackScript is lab/devstack/NAME of this checkout (not of whichever
// checkout last started the lab: tests reset and fault the host with the
// scripts they were written with).
func devstackScript(name string) string {
	_, file, _, _ := runtime.Caller(0) // .../internal/labtest/devstack.go
	return filepath.Join(filepath.Dir(file), "..", "..", "lab", "devstack", name)
}

// Reset starts devstack1 again from its saved just-stacked state (Trove 18,
// no instances), with lab/devstack/up.sh --reset, and dials it again.
func (d *Devstack) Reset() {
	d.t.Helper()
	start := time.Now()
	out, err := exec.Command(devstackScript("up.sh"), "--reset").CombinedOutput()
	if err != nil {
		d.t.Fatalf("lab/devstack/up.sh --reset: %v\n%s", err, out)
	}
	d.t.Logf("devstack1 reset in %s", time.Since(start).Round(time.Second))
	env, err := labdir.ReadEnv(filepath.Join(d.Env["LAB_DEVSTACK_DIR"], "env"))
	if err != nil {
		d.t.Fatal(err)
	}
	d.Env = env
	ep := &transport.Endpoint{
		Name: env["LAB_DEVSTACK_HOST"], Transport: "ssh", Address: env["LAB_DEVSTACK_ADDRESS"], Port: 22,
		User: env["LAB_DEVSTACK_USER"], PrivateKey: env["LAB_DEVSTACK_KEY"], KnownHosts: env["LAB_DEVSTACK_KNOWN_HOSTS"],
		HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second,
	}
	d.Root = dial(d.t, ep, "devstack")
}

// Sh runs a shell command on devstack1 as root and returns its output and
// exit status; an error to run it at all fails the test.
func (d *Devstack) Sh(cmd string) (string, int) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := d.Root.Exec(ctx, &transport.Cmd{Argv: []string{"bash", "-c", cmd}})
	if err != nil {
		d.t.Fatalf("devstack1: %s: %v", cmd, err)
	}
	return string(res.Stdout) + string(res.Stderr), res.RC
}

// MustSh is Sh that fails the test on a non-zero exit.
func (d *Devstack) MustSh(cmd string) string {
	d.t.Helper()
	out, rc := d.Sh(cmd)
	if rc != 0 {
		d.t.Fatalf("devstack1: %s: exit %d\n%s", cmd, rc, out)
	}
	return out
}

// TroveCode is what answers Trove's API root: the X-Lab-Trove-Version and
// X-Lab-Trove-Pid headers the lab's paste filter adds (lab/devstack/README.md).
type TroveCode struct {
	Status  int
	Version string
	Pid     string
}

// APICode asks Trove's API root which code answers, waiting up to timeout
// for an answer (mod_wsgi loads Trove on the first request after a start).
func (d *Devstack) APICode(timeout time.Duration) (TroveCode, error) {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(d.Env["LAB_DEVSTACK_TROVE_URL"] + "/")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return TroveCode{Status: resp.StatusCode, Version: resp.Header.Get("X-Lab-Trove-Version"), Pid: resp.Header.Get("X-Lab-Trove-Pid")}, nil
			}
			last = fmt.Errorf("HTTP %d", resp.StatusCode)
		} else {
			last = err
		}
		if time.Now().After(deadline) {
			return TroveCode{}, fmt.Errorf("trove API %s: %v", d.Env["LAB_DEVSTACK_TROVE_URL"], last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Release reads `release.sh status` on devstack1: installed release,
// schema revision and, per Trove unit, "active pid=N root=R".
func (d *Devstack) Release() map[string]string {
	d.t.Helper()
	out := d.MustSh(d.Env["LAB_DEVSTACK_RELEASE_SCRIPT"] + " status")
	st := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, " ")
		if k == "unit" {
			k, v, _ = strings.Cut(v, " ")
		}
		st[k] = v
	}
	return st
}

// Fault switches a devstack1 fault on or off with lab/devstack/fault.sh
// (api-500, api-500-after-create, controller-away); a fault switched on is
// switched off again when the test ends.
func (d *Devstack) Fault(name string, on bool) {
	d.t.Helper()
	state := "off"
	if on {
		state = "on"
		d.t.Cleanup(func() { _ = exec.Command(devstackScript("fault.sh"), name, "off").Run() })
	}
	if out, err := exec.Command(devstackScript("fault.sh"), name, state).CombinedOutput(); err != nil {
		d.t.Fatalf("lab/devstack/fault.sh %s %s: %v\n%s", name, state, err, out)
	}
}
