package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/runbook-dev/runbook/engine/transport"
)

// entry is one pooled host: the current connection to it (re-dialed when it
// dies) and, for a host behind jump hosts, the entry of the last hop.
type entry struct {
	pool   *Pool
	t      *target
	parent *entry
	sem    chan struct{} // command sessions in flight

	handshakes atomic.Int64
	stats      counters
	minOpen    atomic.Int64 // quickest channel open seen, in ns; 0 before the first (ShellAhead)
	stdinSeen  atomic.Bool  // a command with stdin was run (ShellAhead)

	mu  sync.Mutex // held while dialing: concurrent users wait for one handshake
	cur *link
}

// link is one SSH connection. It dies once (keepalive lost, server gone,
// pool closed) and is then replaced by a new link.
type link struct {
	e      *entry
	client *ssh.Client
	done   chan struct{}
	once   sync.Once
	err    error // why it died; valid once done is closed

	kaMu sync.Mutex
	ka   *time.Timer // the next keepalive (KeepaliveInterval); stopped by kill

	sftpMu sync.Mutex
	sftp   *sftp.Client

	warmMu sync.Mutex
	warm   []chan warmSession // sessions opened ahead of the next commands, oldest first
}

// warmSession is the outcome of opening a session ahead of time.
type warmSession struct {
	s   session
	err error
}

// session is a session for one command: a new one, which the command
// starts with its exec request, or one started ahead with a shell waiting
// for the command line (sh; see ShellAhead).
type session struct {
	*ssh.Session
	sh *aheadShell
}

func (l *link) kill(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.done)
		_ = l.client.Close()
		l.kaMu.Lock()
		if l.ka != nil {
			l.ka.Stop()
		}
		l.kaMu.Unlock()
	})
}

func (l *link) dead() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// get returns a live link, dialing when there is none or it died. dialed
// says whether this call made the link.
func (e *entry) get(ctx context.Context) (*link, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur != nil && !e.cur.dead() {
		return e.cur, false, nil
	}
	e.pool.mu.Lock()
	closed := e.pool.closed
	e.pool.mu.Unlock()
	if closed {
		return nil, false, ErrPoolClosed
	}
	l, err := e.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	e.cur = l
	return l, true, nil
}

func (e *entry) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur != nil {
		e.cur.kill(ErrPoolClosed)
	}
}

// dial opens one connection: TCP (directly or through the last hop's
// connection), then the SSH handshake, all within the connect timeout.
func (e *entry) dial(ctx context.Context) (*link, error) {
	t := e.t
	hostKey, algos, err := e.pool.hostKeyCallback(t)
	if err != nil {
		return nil, err
	}
	auth, tried, err := e.pool.authFor(t)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:              t.user,
		Auth:              []ssh.AuthMethod{auth},
		HostKeyCallback:   hostKey,
		HostKeyAlgorithms: algos,
		Timeout:           t.timeout,
	}
	dctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()

	var raw net.Conn
	if e.parent != nil {
		hop, hopDialed, err := e.parent.get(dctx)
		if err == nil {
			raw, err = hop.client.DialContext(dctx, "tcp", t.addr())
			if err != nil && !hopDialed && dctx.Err() == nil && !isRejected(err) {
				// The hop's connection broke before it was known dead
				// (not a refusal by the hop): re-dial it once.
				hop.kill(fmt.Errorf("forwarding through it: %w", err))
				if hop, _, err = e.parent.get(dctx); err == nil {
					raw, err = hop.client.DialContext(dctx, "tcp", t.addr())
				}
			}
		}
		if err != nil && hop == nil {
			var u *transport.UnreachableError
			if errors.As(err, &u) {
				err = u.Err
			}
			return nil, unreachable(t, "jump host %s: %w", e.parent.t.name, err)
		}
		if err != nil {
			if dctx.Err() != nil {
				err = fmt.Errorf("timed out after %s", t.timeout)
			}
			return nil, unreachable(t, "connecting to %s through jump host %s: %w", t.addr(), e.parent.t.name, err)
		}
	} else {
		var d net.Dialer
		raw, err = d.DialContext(dctx, "tcp", t.addr())
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("host %s: connecting to %s: %w", t.name, t.addr(), ctx.Err())
		}
		if err != nil {
			if dctx.Err() != nil {
				err = fmt.Errorf("timed out after %s", t.timeout)
			}
			return nil, unreachable(t, "connecting to %s: %w", t.addr(), err)
		}
	}
	// The handshake waits for its turn (Options.MaxHandshakes), then has
	// the connect timeout of its own; a channel through a hop has no
	// SetDeadline, so close the connection when the context ends.
	select {
	case e.pool.handshaking <- struct{}{}:
	case <-ctx.Done():
		_ = raw.Close()
		return nil, fmt.Errorf("host %s: waiting to handshake with %s: %w", t.name, t.addr(), ctx.Err())
	}
	hctx, hcancel := context.WithTimeout(ctx, t.timeout)
	defer hcancel()
	stop := context.AfterFunc(hctx, func() { _ = raw.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(raw, t.addr(), cfg)
	stopped := stop()
	<-e.pool.handshaking
	if err != nil {
		_ = raw.Close()
		var hk *HostKeyError
		switch {
		case errors.As(err, &hk):
			return nil, &transport.UnreachableError{Host: t.name, Err: hk}
		case !stopped && ctx.Err() != nil: // the caller gave up: not the host's fault
			return nil, fmt.Errorf("host %s: ssh handshake with %s: %w", t.name, t.addr(), ctx.Err())
		case !stopped:
			return nil, unreachable(t, "ssh handshake with %s timed out after %s", t.addr(), t.timeout)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &transport.UnreachableError{Host: t.name, Err: &AuthError{Host: t.name, User: t.user, Tried: *tried, Reason: err}}
		}
		return nil, unreachable(t, "ssh handshake with %s: %w", t.addr(), err)
	}
	e.handshakes.Add(1)
	l := &link{e: e, client: ssh.NewClient(sc, chans, reqs), done: make(chan struct{})}
	go func() {
		err := l.client.Wait()
		if err == nil {
			err = errors.New("connection closed by the server")
		}
		l.kill(err)
	}()
	if iv := e.pool.opts.KeepaliveInterval; iv > 0 {
		l.keepalive(iv)
	}
	return l, nil
}

// keepalive sends keepalive@openssh.com an interval after the link opened
// and after each reply; a reply that does not come within the next
// interval kills the link (and with it every session on it, which then
// fail as unreachable). Timers, not a goroutine that sleeps: a fleet of
// 1,000 hosts would hold 1,000 stacks for it, and the GC's heap goal
// counts stacks (docs/performance.md).
func (l *link) keepalive(interval time.Duration) {
	l.kaMu.Lock()
	defer l.kaMu.Unlock()
	l.ka = time.AfterFunc(interval, func() { l.ping(interval) })
}

// ping is one keepalive: the request, a deadline that kills the link if
// no reply comes within interval, and the next ping armed after the reply.
func (l *link) ping(interval time.Duration) {
	if l.dead() {
		return
	}
	deadline := time.AfterFunc(interval, func() {
		l.kill(fmt.Errorf("no reply to keepalive within %s", interval))
	})
	_, _, err := l.client.SendRequest("keepalive@openssh.com", true, nil)
	if !deadline.Stop() {
		return // the deadline killed the link
	}
	if err != nil {
		l.kill(fmt.Errorf("keepalive failed: %w", err))
		return
	}
	l.kaMu.Lock()
	defer l.kaMu.Unlock()
	if !l.dead() {
		l.ka.Reset(interval)
	}
}

// session opens a session for a command, waiting for a free slot. The
// session opened ahead (prewarm) is taken when there is one, so the
// command does not wait for the server to confirm a new channel; the next
// one is then opened ahead while this command runs (ahead false: a new
// session, for a retry after a session opened ahead proved dead). It says
// whether the session was opened ahead. A link found dead is
// re-dialed once; if that fails too, the host is unreachable. release must
// be called when the session is done.
func (e *entry) session(ctx context.Context, limited, ahead bool) (session, *link, bool, func(), error) {
	release := func() {}
	if limited {
		select {
		case e.sem <- struct{}{}:
			release = func() { <-e.sem }
		case <-ctx.Done():
			return session{}, nil, false, nil, ctx.Err()
		}
	}
	l, dialed, err := e.get(ctx)
	if err != nil {
		release()
		return session{}, nil, false, nil, err
	}
	if ahead {
		if s, ok := l.takeWarm(ctx); ok {
			l.prewarm()
			return s, l, true, release, nil
		}
	}
	e.stats.roundTrips.Add(1)
	s, err := l.newSession(ctx)
	if err != nil && !dialed && ctx.Err() == nil && !isRejected(err) {
		l.kill(fmt.Errorf("opening a session: %w", err))
		l, _, err = e.get(ctx)
		if err != nil {
			release()
			return session{}, nil, false, nil, err
		}
		e.stats.roundTrips.Add(1)
		s, err = l.newSession(ctx)
	}
	if err != nil {
		release()
		switch {
		case ctx.Err() != nil:
			return session{}, nil, false, nil, ctx.Err()
		case isRejected(err):
			return session{}, nil, false, nil, fmt.Errorf("host %s: the server refused a new session: %w", e.t.name, err)
		}
		return session{}, nil, false, nil, unreachable(e.t, "opening a session: %w", err)
	}
	l.prewarm()
	return session{Session: s}, l, false, release, nil
}

// prewarm starts opening a session for the next command, unless one is
// being opened already or the link is dead. The server confirms it while
// the current command runs, so the next command starts at once: one round
// trip per command instead of two. On a far host it also starts a shell
// that waits for the command line (ShellAhead), so a command's stdin
// leaves with it; such a session is ready two round trips after it was
// asked for (the channel, then the shell's exec request), so two are kept
// in flight: in a chain of commands of one round trip each, the next one
// is always ready. Options.MaxSessions keeps slots for them.
func (l *link) prewarm() {
	l.warmMu.Lock()
	defer l.warmMu.Unlock()
	shell := l.e.wantShellAhead()
	depth := 1
	if shell {
		depth = 2
	}
	for len(l.warm) < depth && !l.dead() {
		ch := make(chan warmSession, 1)
		l.warm = append(l.warm, ch)
		l.e.stats.sessions.Add(1)
		go func() {
			start := time.Now()
			s, err := l.client.NewSession()
			if err != nil {
				ch <- warmSession{err: err}
				return
			}
			l.e.sawOpen(time.Since(start))
			w := warmSession{s: session{Session: s}}
			if shell {
				if w.s.sh, err = startAheadShell(s); err != nil {
					_ = s.Close()
					w = warmSession{err: err}
				}
			}
			ch <- w
		}()
	}
}

// takeWarm returns the session opened ahead, waiting for the server's
// confirmation if it has not come yet; false when there is none, opening it
// failed (the caller opens one itself and reports that error), or ctx
// ended first.
func (l *link) takeWarm(ctx context.Context) (session, bool) {
	l.warmMu.Lock()
	if len(l.warm) == 0 {
		l.warmMu.Unlock()
		return session{}, false
	}
	ch := l.warm[0]
	l.warm = l.warm[1:]
	l.warmMu.Unlock()
	select {
	case w := <-ch:
		if w.err != nil {
			return session{}, false
		}
		return w.s, true
	case <-ctx.Done():
	case <-l.done:
	}
	go func() {
		if w := <-ch; w.s.Session != nil {
			_ = w.s.Close()
		}
	}()
	return session{}, false
}

func isRejected(err error) bool {
	var oce *ssh.OpenChannelError
	return errors.As(err, &oce)
}

// newSession is client.NewSession bounded by ctx and by the link's death
// (a frozen server never answers the channel open).
func (l *link) newSession(ctx context.Context) (*ssh.Session, error) {
	type res struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan res, 1)
	l.e.stats.sessions.Add(1)
	go func() {
		start := time.Now()
		s, err := l.client.NewSession()
		if err == nil {
			l.e.sawOpen(time.Since(start))
		}
		ch <- res{s, err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-ctx.Done():
	case <-l.done:
	}
	go func() {
		if r := <-ch; r.s != nil {
			_ = r.s.Close()
		}
	}()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, l.err
}

// sftpClient returns the link's SFTP client, starting the subsystem on
// first use.
func (l *link) sftpClient() (*sftp.Client, error) {
	l.sftpMu.Lock()
	defer l.sftpMu.Unlock()
	if l.sftp != nil {
		return l.sftp, nil
	}
	// Opening the subsystem's session, starting sftp-server and the
	// version exchange: three round trips, once per connection.
	l.e.stats.roundTrips.Add(3)
	l.e.stats.sessions.Add(1)
	c, err := sftp.NewClient(l.client, sftp.UseConcurrentWrites(true))
	if err != nil {
		return nil, err
	}
	l.sftp = c
	return c, nil
}
