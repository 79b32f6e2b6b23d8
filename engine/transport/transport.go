// Package transport owns how the engine reaches a host: the Conn a module
// uses to run commands and move files, and the Endpoint that says where a
// host is and how to authenticate to it.
//
// It does not know about tasks, modules or inventories. Implementations live
// in sub-packages (local/, ssh/); the engine picks one per host.
package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// Conn is an open connection to one host. It is safe for concurrent use:
// every Exec is a new session on the same connection.
type Conn interface {
	// Exec runs a command. A non-zero exit status is a Result, not an
	// error; an error means the command could not be run or its result
	// could not be read (see *UnreachableError).
	Exec(ctx context.Context, cmd *Cmd) (*Result, error)
	// Upload writes src to dst with mode, atomically: a temporary file in
	// dst's directory is written and then renamed over dst.
	Upload(ctx context.Context, src io.Reader, dst string, mode fs.FileMode) error
	// Download copies the remote file src into dst.
	Download(ctx context.Context, src string, dst io.Writer) error
	Close() error
}

// Cmd is a command to run on a host. Argv is never passed through a shell by
// the transport without quoting every element; to run a shell script, use
// Argv = {"/bin/sh", "-c", script}.
type Cmd struct {
	Argv []string
	Dir  string            // working directory; empty for the login default
	Env  map[string]string // extra environment
	// Stdin, when set, is the command's input. A transport may read it
	// before the command starts (the ssh transport reads up to 64 KiB
	// ahead to send it with the command line), so it must not wait for
	// anything the command does.
	Stdin io.Reader
	// StdinAfter, when set, holds Stdin back until the command prints a
	// line ending with it on stdout, and sends none when the command ends
	// without doing so: a command that may not need its stdin then waits
	// for none of it (on SSH, stdin costs a round trip). A transport may
	// send Stdin sooner (the local one does): the command must not read
	// stdin before it prints that line.
	StdinAfter string

	// Become runs the command as another user (sudo). Nil runs it as the
	// connecting user.
	Become *Become

	// Stdout and Stderr, when set, receive complete lines as they arrive
	// (without the trailing newline), for progress output. The full output
	// is still returned in the Result.
	Stdout func(line string)
	Stderr func(line string)
}

// Become describes privilege escalation for one command.
type Become struct {
	Method   string // "sudo" (the only one for now)
	User     string // empty means root
	Password string // sensitive: sent on stdin, never on a command line
}

// Result is what a finished command returned.
type Result struct {
	RC       int
	Stdout   []byte
	Stderr   []byte
	Duration time.Duration
}

// Dialer opens connections to endpoints.
type Dialer interface {
	Dial(ctx context.Context, ep *Endpoint) (Conn, error)
}

// HostKeyChecking says how an SSH host key is verified.
type HostKeyChecking string

const (
	HostKeyStrict    HostKeyChecking = "strict"     // must be in known_hosts (default)
	HostKeyAcceptNew HostKeyChecking = "accept-new" // unknown keys are recorded; mismatches fail
	HostKeyOff       HostKeyChecking = "off"        // not checked; only when an inventory says so
)

// Endpoint says where a host is and how to reach it. It is filled from the
// inventory (and ~/.ssh/config by the ssh transport).
type Endpoint struct {
	Name            string // inventory name, used in messages
	Transport       string // "ssh" or "local"
	Address         string
	Port            int
	User            string
	PrivateKey      string // path
	KnownHosts      string // path; empty means ~/.ssh/known_hosts
	HostKeyChecking HostKeyChecking
	Jump            []*Endpoint // bastions, outermost first
	ConnectTimeout  time.Duration
}

// UnreachableError is returned when the host cannot be reached or the
// connection broke: the engine reports the host as unreachable, not failed.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("host %s unreachable: %v", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err (or anything it wraps) is an
// *UnreachableError.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}
