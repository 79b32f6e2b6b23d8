// Package local owns the transport that runs commands and moves files on the
// machine runbook itself runs on (the control node, or a host whose
// inventory says transport = "local").
//
// Commands run with os/exec straight from their Argv, never through a shell.
// Each command gets its own process group, so cancelling its context stops
// the command and everything it started. Become runs the command through
// sudo with the password sent on stdin, only when sudo asks for it.
//
// It does not know about tasks, modules or inventories, and does not
// implement SSH (see transport/ssh).
package local

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

// DefaultKillGrace is how long a cancelled command's process group has
// between SIGTERM and SIGKILL.
const DefaultKillGrace = 2 * time.Second

// errClosed is returned by a Conn used after Close.
var errClosed = errors.New("local connection is closed")

// Conn runs commands on this machine. The zero value is not usable; use New
// or Dialer. A Conn is safe for concurrent use.
type Conn struct {
	name      string
	killGrace time.Duration
	sudoPath  string
	closed    atomic.Bool
}

// Option configures a Conn.
type Option func(*Conn)

// WithKillGrace sets the time a cancelled command gets between SIGTERM and
// SIGKILL (DefaultKillGrace when not set).
func WithKillGrace(d time.Duration) Option {
	return func(c *Conn) { c.killGrace = d }
}

// WithSudo sets the sudo program used for Become ("sudo" from PATH when not
// set). Tests use it to stand in a fake sudo.
func WithSudo(path string) Option {
	return func(c *Conn) { c.sudoPath = path }
}

// New returns a Conn named name (used in messages; "localhost" when empty).
func New(name string, opts ...Option) *Conn {
	if name == "" {
		name = "localhost"
	}
	c := &Conn{name: name, killGrace: DefaultKillGrace, sudoPath: "sudo"}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Name is the host name the Conn was opened for.
func (c *Conn) Name() string { return c.name }

// Close marks the Conn closed; later calls fail. Commands already running
// are not affected (cancel their context to stop them).
func (c *Conn) Close() error {
	c.closed.Store(true)
	return nil
}

var _ transport.Conn = (*Conn)(nil)

// Dialer opens local connections. Options apply to every Conn it opens.
type Dialer struct {
	Options []Option
}

// Dial returns a Conn for ep; it never fails for a local endpoint.
func (d Dialer) Dial(ctx context.Context, ep *transport.Endpoint) (transport.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := ""
	if ep != nil {
		if ep.Transport != "" && ep.Transport != "local" {
			return nil, errors.New("local dialer asked for transport " + ep.Transport + " (host " + ep.Name + ")")
		}
		name = ep.Name
	}
	return New(name, d.Options...), nil
}

var _ transport.Dialer = Dialer{}
