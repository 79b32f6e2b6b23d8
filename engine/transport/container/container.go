// Package container owns running a task's commands inside a named container
// on a host: a transport.Conn wrapper that turns every command into the
// `exec` of a container runtime's CLI (docker, podman, nerdctl: anything
// that speaks docker exec's argv contract) on the host's own connection.
//
// What kolla-ansible and similar deployments need: trove-manage lives in
// the trove_api container, not on the host. The host connection (ssh or
// local) is unchanged: one connection per host, every argument quoted by
// it for the remote shell, become (sudo) applied to the runtime CLI on the
// host, since talking to the container engine needs root (or its group).
// Inside the container the command runs as Spec.User (`exec --user`), or
// as the container's default user.
//
// The argv of the command reaches the container as argv (exec runs it
// without a shell), so no second quoting layer exists. Environment values
// are not put on the runtime's command line: the runtime gets `--env NAME`
// and the value in its own environment, which docker and podman pass on.
//
// It does not know about tasks or inventories; engine/core wraps a task's
// connection with it when the task sets `container`.
package container

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Spec names a container and how to reach into it.
type Spec struct {
	// Name is the container's name or id.
	Name string
	// Runtime is the CLI on the host: "docker" (default), "podman",
	// "nerdctl", or a path to one of them.
	Runtime string
	// User is the user inside the container (exec --user); empty means the
	// container's own default user.
	User string
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Validate says what is wrong with s, if anything.
func (s Spec) Validate() error {
	if !nameRE.MatchString(s.Name) {
		return fmt.Errorf("container name %q is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", s.Name)
	}
	if s.Runtime != "" && (strings.HasPrefix(s.Runtime, "-") || strings.ContainsAny(s.Runtime, " \t\n")) {
		return fmt.Errorf("container runtime %q is not a command", s.Runtime)
	}
	if strings.HasPrefix(s.User, "-") {
		return fmt.Errorf("container user %q is not a user", s.User)
	}
	return nil
}

func (s Spec) runtime() string {
	if s.Runtime == "" {
		return "docker"
	}
	return s.Runtime
}

// NotRunningError says the container is missing or stopped: the command
// never ran. The engine reports it as the task's failure.
type NotRunningError struct {
	Spec   Spec
	Reason string
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("container %s (%s): %s", e.Spec.Name, e.Spec.runtime(), e.Reason)
}

// Conn runs every command inside the container, through c.
type Conn struct {
	c    transport.Conn
	spec Spec

	once     sync.Mutex
	checked  bool
	checkErr error
}

var _ transport.Conn = (*Conn)(nil)

// Wrap returns a Conn that runs commands inside s on c's host. The spec must
// be valid (see Validate).
func Wrap(c transport.Conn, s Spec) *Conn {
	return &Conn{c: c, spec: s}
}

// Spec returns the container the Conn reaches into.
func (c *Conn) Spec() Spec { return c.spec }

// check makes sure the container runs before the first command: a missing
// or stopped container must fail as such, not as the exit status 1 that
// `docker exec` also gives a command that failed. The answer is kept for
// the Conn's life; become is the first command's.
func (c *Conn) check(ctx context.Context, become *transport.Become) error {
	c.once.Lock()
	defer c.once.Unlock()
	if c.checked {
		return c.checkErr
	}
	r, err := c.c.Exec(ctx, &transport.Cmd{
		Argv:   []string{c.spec.runtime(), "inspect", "--type", "container", "--format", "{{.State.Running}}", c.spec.Name},
		Become: become,
	})
	if err != nil {
		return err // unreachable host, cancelled, sudo refused: not remembered
	}
	c.checked = true
	switch out := strings.TrimSpace(string(r.Stdout)); {
	case r.RC == 0 && out == "true":
	case r.RC == 0:
		c.checkErr = &NotRunningError{Spec: c.spec, Reason: "is not running"}
	default:
		reason := strings.TrimSpace(string(r.Stderr))
		if reason == "" {
			reason = fmt.Sprintf("%s inspect exited %d", c.spec.runtime(), r.RC)
		}
		c.checkErr = &NotRunningError{Spec: c.spec, Reason: firstLine(reason)}
	}
	return c.checkErr
}

// execArgv is the host-side argv that runs argv inside the container.
func (c *Conn) execArgv(cmd *transport.Cmd) []string {
	a := []string{c.spec.runtime(), "exec"}
	if cmd.Stdin != nil {
		a = append(a, "--interactive")
	}
	if c.spec.User != "" {
		a = append(a, "--user", c.spec.User)
	}
	if cmd.Dir != "" {
		a = append(a, "--workdir", cmd.Dir)
	}
	keys := make([]string, 0, len(cmd.Env))
	for k := range cmd.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a = append(a, "--env", k) // the value comes from the runtime's environment
	}
	a = append(a, c.spec.Name)
	return append(a, cmd.Argv...)
}

// Exec runs cmd.Argv inside the container. Become (from cmd) applies to the
// runtime CLI on the host. A non-zero exit of the command is a Result, as
// on any Conn; a container that is missing or stopped is a
// *NotRunningError.
func (c *Conn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	if len(cmd.Argv) == 0 {
		return nil, fmt.Errorf("container %s: empty command", c.spec.Name)
	}
	if err := c.check(ctx, cmd.Become); err != nil {
		return nil, err
	}
	outer := *cmd
	outer.Argv = c.execArgv(cmd)
	outer.Dir = "" // the host's working directory does not matter; --workdir is the container's
	return c.c.Exec(ctx, &outer)
}

// uploadScript writes stdin to a temporary file next to $1, sets mode $2,
// and renames it over $1: the replace is atomic inside the container too.
const uploadScript = `set -e
dst=$1
dir=$(dirname -- "$dst")
tmp=$(mktemp "$dir/.runbook-upload.XXXXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat >"$tmp"
chmod "$2" "$tmp"
mv -f -- "$tmp" "$dst"
trap - EXIT`

// Upload writes src to dst inside the container, atomically.
func (c *Conn) Upload(ctx context.Context, src io.Reader, dst string, mode fs.FileMode) error {
	return c.UploadAs(ctx, src, dst, mode, nil)
}

// UploadAs is Upload with the runtime CLI run through become on the host
// (engine/core's become wrapper calls it, so no staging file is needed).
func (c *Conn) UploadAs(ctx context.Context, src io.Reader, dst string, mode fs.FileMode, become *transport.Become) error {
	if src == nil {
		src = bytes.NewReader(nil)
	}
	r, err := c.Exec(ctx, &transport.Cmd{
		Argv:   []string{"/bin/sh", "-c", uploadScript, "sh", dst, strconv.FormatUint(uint64(mode.Perm()), 8)},
		Stdin:  src,
		Become: become,
	})
	if err != nil {
		return err
	}
	if r.RC != 0 {
		return fmt.Errorf("container %s: writing %s failed (exit %d): %s", c.spec.Name, dst, r.RC, firstLine(strings.TrimSpace(string(r.Stderr))))
	}
	return nil
}

// Download copies the file src inside the container into dst.
func (c *Conn) Download(ctx context.Context, src string, dst io.Writer) error {
	r, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"cat", "--", src}})
	if err != nil {
		return err
	}
	if r.RC != 0 {
		return fmt.Errorf("container %s: reading %s failed (exit %d): %s", c.spec.Name, src, r.RC, firstLine(strings.TrimSpace(string(r.Stderr))))
	}
	_, err = dst.Write(r.Stdout)
	return err
}

// Close does nothing: the host connection belongs to the run.
func (c *Conn) Close() error { return nil }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
