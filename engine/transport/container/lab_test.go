package container_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/container"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/engine/transport/transporttest"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// labContainer returns the lab's running container spec (lab/containers).
func labContainer(t *testing.T) (container.Spec, map[string]string) {
	t.Helper()
	env := labtest.Env(t, "containers")
	return container.Spec{Name: env["LAB_CONTAINER_NAME"], Runtime: env["LAB_CONTAINER_RUNTIME"]}, env
}

// tempDir makes an empty directory inside the container.
func tempDir(t *testing.T, c transport.Conn, become *transport.Become) string {
	t.Helper()
	r, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"mktemp", "-d", "/tmp/conformance.XXXXXX"}, Become: become})
	if err != nil || r.RC != 0 {
		t.Fatalf("mktemp in the container: %v %+v", err, r)
	}
	dir := strings.TrimSpace(string(r.Stdout))
	t.Cleanup(func() {
		_, _ = c.Exec(context.Background(), &transport.Cmd{Argv: []string{"rm", "-rf", dir}, Become: become})
	})
	return dir
}

// The contract through a container on this machine (local transport).
func TestConformanceLocal(t *testing.T) {
	spec, _ := labContainer(t)
	c := container.Wrap(local.New("localhost"), spec)
	transporttest.Conformance(t, transporttest.Target{Conn: c, Dir: tempDir(t, c, nil)})
}

// The contract through a container on an SSH host, the runtime run with
// become (sudo with a password, as on a production controller).
func TestConformanceSSHBecome(t *testing.T) {
	spec, _ := labContainer(t)
	host := labtest.SSHLoopbackConn(t) // the lab's runtime and storage are on this machine
	pw, err := os.ReadFile(labtest.Env(t, "ssh")["LAB_SSH_BECOME_PASSWORD_FILE"])
	if err != nil {
		labtest.Absent(t, "ssh lab become password: %v", err)
	}
	become := &transport.Become{Method: "sudo", Password: strings.TrimSpace(string(pw))}
	c := container.Wrap(host, spec)
	transporttest.Conformance(t, transporttest.Target{Conn: c, Dir: tempDir(t, c, become), Become: become})

	// Without become the login user cannot reach the runtime: the command
	// never ran, and that is an error, not an exit status.
	_, err = container.Wrap(host, spec).Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
	var nr *container.NotRunningError
	if !errors.As(err, &nr) {
		t.Errorf("exec as the login user: %v, want a NotRunningError", err)
	}
}

func TestUserInsideTheContainer(t *testing.T) {
	spec, _ := labContainer(t)
	spec.User = "nobody"
	r, err := container.Wrap(local.New("localhost"), spec).Exec(context.Background(), &transport.Cmd{Argv: []string{"id", "-u"}})
	if err != nil || strings.TrimSpace(string(r.Stdout)) != "65534" {
		t.Fatalf("id -u as nobody: %v %+v", err, r)
	}
}

// A stopped or missing container is an error naming it, never a command
// that "exited 1".
func TestNotRunning(t *testing.T) {
	spec, env := labContainer(t)
	for _, name := range []string{env["LAB_CONTAINER_STOPPED"], "rb-no-such-container"} {
		s := spec
		s.Name = name
		r, err := container.Wrap(local.New("localhost"), s).Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
		var nr *container.NotRunningError
		if !errors.As(err, &nr) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: result %+v, error %v; want a NotRunningError naming it", name, r, err)
		}
	}
}

// The command's exit status passes through: 1 from the command is 1, not
// a runtime failure, and 127 says the command is not in the container.
func TestExitStatusPassesThrough(t *testing.T) {
	spec, _ := labContainer(t)
	c := container.Wrap(local.New("localhost"), spec)
	for argv, want := range map[string]int{"false": 1, "no-such-command": 127} {
		r, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{argv}})
		if err != nil || r.RC != want {
			t.Errorf("%s: %v %+v, want rc %d", argv, err, r, want)
		}
	}
}
