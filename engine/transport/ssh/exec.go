package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Conn is a handle on a pooled connection. Every Exec is a new session on
// the host's one connection. Close is a no-op: the Pool owns connections.
type Conn struct {
	e *entry
}

var _ transport.Conn = (*Conn)(nil)

// Close does nothing; Pool.Close closes the connection.
func (c *Conn) Close() error { return nil }

// BecomeError says sudo refused to run a command.
type BecomeError struct {
	Host   string
	User   string // become user; "root" when empty
	Reason string
}

func (e *BecomeError) Error() string {
	return fmt.Sprintf("host %s: become user %q: %s", e.Host, e.User, e.Reason)
}

// Exec runs cmd.Argv on the host, every argument quoted for the remote
// shell. See the package doc of transport for the contract.
//
// The remote command line is
//
//	echo "RUNBOOK-PID-<nonce> $$" >&2; [cd 'dir' &&] exec [env 'K=V'...] 'argv0' 'argv1'...
//
// so the command keeps the login shell's PID, which sshd made a session and
// process group leader: on cancellation the group is killed over another
// session (OpenSSH before 9.x ignores signal requests for sessions without
// a terminal). With Become, the exec is
//
//	exec sudo -S -p '<prompt marker>' [-u 'user'] -- /bin/sh -c '<marker line>; <the above>'
//
// and the password is written to stdin only when sudo prompts (so a
// NOPASSWD rule never receives it as the command's input), followed by the
// command's own stdin once it runs.
//
// cmd.Stdout and cmd.Stderr are called from two goroutines (one per stream),
// each in order. A cancelled or timed-out command returns the context's
// error (not an UnreachableError) once the remote command is killed.
func (c *Conn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	return c.exec(ctx, cmd, true)
}

func (c *Conn) exec(ctx context.Context, cmd *transport.Cmd, limited bool) (*transport.Result, error) {
	t := c.e.t
	if len(cmd.Argv) == 0 {
		return nil, fmt.Errorf("host %s: empty command", t.name)
	}
	if b := cmd.Become; b != nil && b.Method != "" && b.Method != "sudo" {
		return nil, fmt.Errorf("host %s: become method %q is not supported (only sudo)", t.name, b.Method)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := c.attempt(ctx, cmd, limited, true, start)
	var ns *notStarted
	if errors.As(err, &ns) && ctx.Err() == nil {
		// The session opened ahead died with its connection (which may not
		// have been known dead yet), or its shell ended before the command
		// line reached it: the command did not run. Again on a new session,
		// which re-dials if need be, with the stdin already read.
		c.e.stats.missed.Add(1)
		again := *cmd
		again.Stdin = ns.stdin
		res, err = c.attempt(ctx, &again, limited, false, start)
	}
	if errors.As(err, &ns) {
		err = ns.err
	}
	return res, err
}

// notStarted says a command did not run on the session opened ahead; stdin
// is its whole stdin, for a second attempt.
type notStarted struct {
	err   error
	stdin io.Reader
}

func (e *notStarted) Error() string { return e.err.Error() }

// attempt runs cmd on one session: the one opened ahead when ahead is true
// and there is one, else a new one. Its error is a *notStarted when the
// command surely did not run on a session opened ahead.
func (c *Conn) attempt(ctx context.Context, cmd *transport.Cmd, limited, ahead bool, start time.Time) (*transport.Result, error) {
	t := c.e.t
	if cmd.Stdin != nil {
		c.e.stdinSeen.Store(true)
	}
	sess, l, wasAhead, release, err := c.e.session(ctx, limited, ahead)
	if err != nil {
		return nil, err
	}
	defer release()
	defer func() { _ = sess.Close() }()

	nonce := newNonce()
	ctl := newControl(nonce, cmd.Become != nil)
	stdout := &lineWriter{cb: cmd.Stdout}
	stderr := &lineWriter{cb: cmd.Stderr}
	filter := newStderrFilter(ctl, stderr)
	line := remoteCommand(cmd, ctl)

	// What stdin waits for before it goes: nothing, the command's line
	// (StdinAfter), or the command's start. The exec request's reply and
	// the command's exit come back in one round trip; stdin that can only
	// follow the reply (a new session: x/crypto/ssh sends the request and
	// waits for it) is one more. On a shell started ahead, the command line
	// is data: stdin up to earlyStdinMax leaves with it.
	c.e.stats.commands.Add(1)
	c.e.stats.roundTrips.Add(1)
	in := stdinPlan{src: cmd.Stdin}
	if sess.sh != nil && cmd.Stdin != nil && cmd.Become == nil {
		peek, err := io.ReadAll(io.LimitReader(cmd.Stdin, earlyStdinMax+1))
		if err != nil {
			return nil, fmt.Errorf("host %s: reading the stdin of %s: %w", t.name, cmd.Argv[0], err)
		}
		in.src = io.MultiReader(bytes.NewReader(peek), cmd.Stdin)
		if len(peek) <= earlyStdinMax {
			in.early, in.src = peek, nil
		}
	}
	switch {
	case in.src == nil:
	case cmd.StdinAfter != "":
		in.asked = make(chan struct{})
		var once sync.Once
		inner := cmd.Stdout
		stdout.cb = func(line string) {
			if strings.HasSuffix(line, cmd.StdinAfter) {
				once.Do(func() { close(in.asked) })
			}
			if inner != nil {
				inner(line)
			}
		}
	case sess.sh != nil && cmd.Become == nil:
		in.afterStart = true // kept replayable until the command runs
		c.e.stats.roundTrips.Add(1)
	default:
		c.e.stats.roundTrips.Add(1)
	}

	var stdin io.WriteCloser
	if sh := sess.sh; sh != nil {
		sh.stdout.set(stdout)
		sh.stderr.set(filter)
		stdin = sh.stdin
		msg := append([]byte(oneLine(line)+"\n"), in.early...)
		if _, err = stdin.Write(msg); err != nil {
			return nil, c.notStarted(cmd, in, l, err)
		}
	} else {
		sess.Stdout = stdout
		sess.Stderr = filter
		if stdin, err = sess.StdinPipe(); err == nil {
			err = sess.Start(line)
		}
		if err != nil && wasAhead && ctx.Err() == nil {
			return nil, c.notStarted(cmd, in, l, err)
		}
	}
	if err != nil {
		if l.dead() {
			return nil, unreachable(t, "starting %s: %v", cmd.Argv[0], l.err)
		}
		return nil, fmt.Errorf("host %s: starting %s: %w", t.name, cmd.Argv[0], err)
	}
	waitc := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		err := sess.Wait()
		close(finished)
		waitc <- err
	}()
	becomeErr := make(chan error, 1)
	go feedStdin(stdin, cmd, in, ctl, finished, becomeErr, t.name, &c.e.stats.roundTrips)

	select {
	case err = <-waitc:
	case err := <-becomeErr:
		_ = sess.Close()
		select {
		case <-waitc:
		case <-time.After(c.e.pool.opts.KillGrace):
		}
		return nil, err
	case <-ctx.Done():
		c.cancel(sess.Session, l, cmd, ctl, waitc)
		what := "cancelled"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			what = "timed out"
		}
		return nil, fmt.Errorf("host %s: %s %s after %s: %w", t.name, cmd.Argv[0], what,
			time.Since(start).Round(time.Millisecond), ctx.Err())
	}
	filter.flush()
	stdout.flush()
	if sess.sh != nil && !ctl.wrapped.Load() {
		// The shell started ahead ended without running the wrapper line
		// (which reports the PID first): the command did not run.
		if err == nil {
			err = errors.New("the shell started ahead exited before the command")
		}
		return nil, c.notStarted(cmd, in, l, err)
	}
	res := &transport.Result{Stdout: stdout.bytes(), Stderr: stderr.bytes(), Duration: time.Since(start)}

	if cmd.Become != nil && !isStarted(ctl) {
		// sudo exited without running the command.
		if l.dead() {
			return nil, unreachable(t, "connection lost while running sudo: %v", l.err)
		}
		reason := strings.TrimSpace(string(res.Stderr))
		if reason == "" {
			reason = fmt.Sprintf("sudo failed (%v)", err)
		}
		return nil, &BecomeError{Host: t.name, User: becomeUser(cmd.Become), Reason: reason}
	}

	var ee *ssh.ExitError
	switch {
	case err == nil:
		res.RC = 0
	case errors.As(err, &ee):
		if sig := ee.Signal(); sig != "" {
			res.RC = signalRC(sig)
			msg := fmt.Sprintf("killed by signal %s", sig)
			if ee.Msg() != "" {
				msg += ": " + ee.Msg()
			}
			res.Stderr = append(res.Stderr, []byte(msg+"\n")...)
		} else {
			res.RC = ee.ExitStatus()
		}
	default:
		// No exit status: the connection broke (or the server dropped the
		// channel) while the command ran.
		cause := err
		if l.dead() {
			cause = l.err
		}
		return nil, unreachable(t, "connection lost while running %s: %v", cmd.Argv[0], cause)
	}
	return res, nil
}

// stdinPlan is how a command's stdin goes: early leaves with the command
// line (a shell started ahead); src, the rest, when the command asks for
// it (asked, StdinAfter), once it started (afterStart) or at once.
type stdinPlan struct {
	early      []byte
	src        io.Reader
	asked      chan struct{}
	afterStart bool
}

// notStarted wraps err for a command that did not run, with its whole
// stdin (what was read of it ahead of the rest) for a second attempt.
func (c *Conn) notStarted(cmd *transport.Cmd, in stdinPlan, l *link, err error) error {
	var stdin io.Reader
	switch {
	case in.early != nil:
		stdin = bytes.NewReader(in.early)
	case in.src != nil:
		stdin = in.src
	}
	if l.dead() {
		err = unreachable(c.e.t, "starting %s: %v", cmd.Argv[0], l.err)
	} else {
		err = fmt.Errorf("host %s: starting %s: %w", c.e.t.name, cmd.Argv[0], err)
	}
	return &notStarted{err: err, stdin: stdin}
}

func isStarted(ctl *control) bool {
	select {
	case <-ctl.started:
		return true
	default:
		return false
	}
}

func becomeUser(b *transport.Become) string {
	if b.User == "" {
		return "root"
	}
	return b.User
}

// remoteCommand is the shell text sent in the exec request.
func remoteCommand(cmd *transport.Cmd, ctl *control) string {
	inner := commandLine(cmd.Argv, cmd.Dir, cmd.Env)
	pid := `echo "` + ctl.pidMarker + ` $$" >&2; `
	if cmd.Become == nil {
		return pid + inner
	}
	var b strings.Builder
	b.WriteString(pid)
	b.WriteString("exec sudo -S -p ")
	b.WriteString(Quote(ctl.promptMarker))
	if u := cmd.Become.User; u != "" {
		b.WriteString(" -u ")
		b.WriteString(Quote(u))
	}
	b.WriteString(" -- /bin/sh -c ")
	b.WriteString(Quote(`echo "` + ctl.goMarker + ` $$" >&2; ` + inner))
	return b.String()
}

// feedStdin writes the sudo password when (and only when) sudo prompts,
// then the command's own stdin (what in.early did not carry) once the
// command runs, then closes stdin.
func feedStdin(stdin io.WriteCloser, cmd *transport.Cmd, in stdinPlan, ctl *control, finished <-chan struct{}, becomeErr chan<- error, host string, roundTrips *atomic.Int64) {
	defer stdin.Close()
	if b := cmd.Become; b != nil {
		prompts := 0
	wait:
		for {
			select {
			case <-ctl.prompts:
				prompts++
				switch {
				case b.Password == "":
					becomeErr <- &BecomeError{Host: host, User: becomeUser(b), Reason: "sudo asks for a password and none is set (become_password)"}
					return
				case prompts > 1:
					becomeErr <- &BecomeError{Host: host, User: becomeUser(b), Reason: "sudo: incorrect password"}
					return
				}
				roundTrips.Add(1) // the prompt came back; the password goes out
				if _, err := io.WriteString(stdin, b.Password+"\n"); err != nil {
					return
				}
			case <-ctl.started:
				break wait
			case <-finished:
				return
			}
		}
	}
	if in.src == nil {
		return
	}
	var wait <-chan struct{}
	switch {
	case in.asked != nil:
		wait = in.asked
	case in.afterStart:
		wait = ctl.started
	}
	if wait != nil {
		select {
		case <-wait:
			if in.asked != nil {
				roundTrips.Add(1) // the line came back; stdin goes out
			}
		case <-finished:
			return
		}
	}
	_, _ = io.Copy(stdin, in.src)
}

// cancel stops a running command: SIGTERM by signal request and by kill(1)
// on its process group over a second session, then after KillGrace the
// same with SIGKILL, then the session is closed.
func (c *Conn) cancel(sess *ssh.Session, l *link, cmd *transport.Cmd, ctl *control, waitc <-chan error) {
	grace := c.e.pool.opts.KillGrace
	if l.dead() {
		return // nothing to reach the command with
	}
	var pid, inner int
	select {
	case pid = <-ctl.pidc:
	case <-time.After(grace):
	}
	select {
	case inner = <-ctl.innerc:
	default:
	}
	for _, sig := range []ssh.Signal{ssh.SIGTERM, ssh.SIGKILL} {
		_ = sess.Signal(sig)
		if pid > 0 && !l.dead() {
			c.remoteKill(string(sig), pid, inner, cmd.Become)
		}
		select {
		case <-waitc:
			return
		case <-time.After(grace):
		}
	}
	_ = sess.Close()
	select {
	case <-waitc:
	case <-time.After(grace):
	}
}

// remoteKill signals the process group of the command (and, after sudo, the
// command's own PID and group) from a new session, as the same user the
// command runs as.
func (c *Conn) remoteKill(sig string, pid, inner int, become *transport.Become) {
	script := fmt.Sprintf("kill -s %s -- -%d %d 2>/dev/null", sig, pid, pid)
	if inner > 0 {
		script += fmt.Sprintf("; kill -s %s -- -%d %d 2>/dev/null", sig, inner, inner)
	}
	script += "; exit 0"
	ctx, cancel := context.WithTimeout(context.Background(), c.e.t.timeout)
	defer cancel()
	_, _ = c.exec(ctx, &transport.Cmd{Argv: []string{"/bin/sh", "-c", script}, Become: become}, false)
}

var signalNumbers = map[ssh.Signal]int{
	ssh.SIGHUP: 1, ssh.SIGINT: 2, ssh.SIGQUIT: 3, ssh.SIGILL: 4, ssh.SIGABRT: 6, ssh.SIGFPE: 8,
	ssh.SIGKILL: 9, ssh.SIGUSR1: 10, ssh.SIGSEGV: 11, ssh.SIGUSR2: 12, ssh.SIGPIPE: 13,
	ssh.SIGALRM: 14, ssh.SIGTERM: 15,
}

// signalRC is the shell's convention for a command killed by a signal:
// 128+n, or -1 for a signal without a number here.
func signalRC(sig string) int {
	if n, ok := signalNumbers[ssh.Signal(strings.TrimPrefix(sig, "SIG"))]; ok {
		return 128 + n
	}
	return -1
}

func newNonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
