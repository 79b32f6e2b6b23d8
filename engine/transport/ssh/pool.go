package ssh

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Options tune a Pool. The zero value is usable.
type Options struct {
	// ConfigFile is the ssh_config to honour (HostName, User, Port,
	// IdentityFile, ProxyJump, UserKnownHostsFile). Empty means
	// ~/.ssh/config; "none" reads none. A missing file is an empty config.
	ConfigFile string
	// HomeDir replaces the user's home for ~ and the default identities
	// and known_hosts (for tests).
	HomeDir string
	// AgentSocket replaces $SSH_AUTH_SOCK; "none" disables the agent.
	AgentSocket string
	// Passphrase, when set, is asked for the passphrase of an encrypted
	// key instead of prompting on the terminal.
	Passphrase func(path string) ([]byte, error)
	// ConnectTimeout bounds TCP connect plus SSH handshake when the
	// endpoint sets none. Default 10s.
	ConnectTimeout time.Duration
	// KeepaliveInterval is how often a keepalive@openssh.com request is
	// sent; a reply missing for one more interval marks the connection
	// dead. Default 10s; negative disables keepalives.
	KeepaliveInterval time.Duration
	// MaxSessions is the server's limit of sessions per connection
	// (OpenSSH's MaxSessions, default 10). Four are kept: for SFTP, for
	// killing a cancelled command and for the sessions opened ahead of the
	// next commands (two on a far host, see ShellAhead; three are kept
	// with ShellAheadNever); commands beyond the rest wait.
	MaxSessions int
	// KillGrace is how long a cancelled command has between SIGTERM and
	// SIGKILL. Default 2s.
	KillGrace time.Duration
	// MaxHandshakes bounds the SSH handshakes in flight at once (a fleet
	// dialed at once otherwise queues for the client's CPU inside every
	// host's connect timeout). A handshake's share of the connect timeout
	// starts when it gets its turn. Default 32.
	MaxHandshakes int
	// ShellAhead says when the session opened ahead of the next command
	// also starts a shell waiting for that command, so a command's stdin
	// leaves with it (one round trip, not two). Default ShellAheadAuto: on
	// a link whose round trip is at least ShellAheadMinRTT.
	ShellAhead ShellAhead
}

// Pool is a transport.Dialer holding one SSH connection per host (and per
// jump host) for its whole life. Connections open on first Dial and are
// shared by every Conn Dial returns; Close closes them all.
type Pool struct {
	opts Options

	cfgOnce sync.Once
	cfg     sshConfig
	cfgErr  error

	signers    signers
	knownHosts knownHostsCache

	mu      sync.Mutex
	entries map[string]*entry
	closed  bool

	handshaking chan struct{} // one token per handshake in flight
}

var _ transport.Dialer = (*Pool)(nil)

// NewPool returns an empty pool.
func NewPool(opts Options) *Pool {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.KeepaliveInterval == 0 {
		opts.KeepaliveInterval = 10 * time.Second
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 10
	}
	if opts.KillGrace <= 0 {
		opts.KillGrace = 2 * time.Second
	}
	if opts.MaxHandshakes <= 0 {
		opts.MaxHandshakes = 32
	}
	return &Pool{opts: opts, entries: map[string]*entry{}, handshaking: make(chan struct{}, opts.MaxHandshakes)}
}

func (p *Pool) config() (sshConfig, error) {
	p.cfgOnce.Do(func() {
		path := p.opts.ConfigFile
		if path == "" {
			path = p.home() + "/.ssh/config"
		}
		p.cfg, p.cfgErr = loadSSHConfig(path)
	})
	return p.cfg, p.cfgErr
}

// ErrPoolClosed is returned by Dial and by Conns after Pool.Close.
var ErrPoolClosed = errors.New("ssh pool is closed")

// Dial returns a Conn to ep, opening the host's connection (and those of its
// jump hosts) if this is the first use or it died. Concurrent Dials of one
// host wait for a single handshake. Connection failures are
// *transport.UnreachableError.
func (p *Pool) Dial(ctx context.Context, ep *transport.Endpoint) (transport.Conn, error) {
	t, err := p.resolve(ep, nil)
	if err != nil {
		return nil, err
	}
	e, err := p.entryFor(t)
	if err != nil {
		return nil, err
	}
	l, _, err := e.get(ctx)
	if err != nil {
		return nil, err
	}
	// The first command's session is opened now, while the caller gets
	// ready to run it. (Jump hosts are never Dialed: they get none.)
	l.prewarm()
	return &Conn{e: e}, nil
}

func (p *Pool) entryFor(t *target) (*entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrPoolClosed
	}
	var parent *entry
	for i, h := range t.jump {
		h.jump = t.jump[:i]
		parent = p.entryLocked(h, parent)
	}
	return p.entryLocked(t, parent), nil
}

func (p *Pool) entryLocked(t *target, parent *entry) *entry {
	k := t.key()
	if e, ok := p.entries[k]; ok {
		return e
	}
	reserve := 4
	if p.opts.ShellAhead == ShellAheadNever {
		reserve = 3
	}
	slots := p.opts.MaxSessions - reserve
	if slots < 1 {
		slots = 1
	}
	e := &entry{pool: p, t: t, parent: parent, sem: make(chan struct{}, slots)}
	p.entries[k] = e
	return e
}

// Handshakes reports how many SSH handshakes completed to the host with this
// inventory name (jump hosts count under their own name).
func (p *Pool) Handshakes(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.entries {
		if e.t.name == name {
			n += int(e.handshakes.Load())
		}
	}
	return n
}

// HandshakeCounts reports Handshakes for every host the pool knows.
func (p *Pool) HandshakeCounts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := map[string]int{}
	for _, e := range p.entries {
		m[e.t.name] += int(e.handshakes.Load())
	}
	return m
}

// Close closes every connection. Conns from this pool fail afterwards.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	es := make([]*entry, 0, len(p.entries))
	for _, e := range p.entries {
		es = append(es, e)
	}
	p.mu.Unlock()
	// Close the innermost first: their connections run through the hops.
	sort.Slice(es, func(i, j int) bool { return len(es[i].t.jump) > len(es[j].t.jump) })
	for _, e := range es {
		e.close()
	}
	p.signers.mu.Lock()
	if c := p.signers.agentConn; c != nil {
		_ = c.Close()
	}
	p.signers.mu.Unlock()
	return nil
}

func unreachable(t *target, format string, args ...any) error {
	return &transport.UnreachableError{Host: t.name, Err: fmt.Errorf(format, args...)}
}
