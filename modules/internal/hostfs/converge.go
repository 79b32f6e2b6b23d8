package hostfs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// A run's plan and apply in one command (module.Converger) for the modules
// that read a path through an FS, on a first run, where the path does not
// exist yet: the module plans for that case against Hypothetical, records
// the one command its apply would run (Replay), and PrefetchThen probes
// the path as a plan does and, in the same command, runs the recorded
// command only if the host is that case (the path absent, its directory a
// directory, every user and group the plan looked up known). The module
// then plans from the probe's answers, which the FS keeps, at no cost: if
// the command ran, that plan is the hypothetical one and Replay hands the
// command's result to the module's apply code, which reads it as its own;
// otherwise the module goes on as a plan that read the host would (done,
// or apply). A first run costs one round trip instead of a plan's and an
// apply's, and a run that finds everything as wanted still one.

// ErrNotOneCommand says an apply cannot be replayed: it runs no command,
// or more than one, or one PrefetchThen cannot carry.
var ErrNotOneCommand = errors.New("not one command")

// PrefetchThen asks the host everything about p, as Prefetch does (the
// lookups WillLookUp named included), and in the same command runs then
// when p does not exist (not even as a dangling link), its directory is a
// directory and every lookup found its name. It returns then's result, or
// nil when then did not run. then carries an argv, an environment and a
// stdin, nothing else (ErrNotOneCommand).
func (f *FS) PrefetchThen(ctx context.Context, p string, content bool, then *transport.Cmd) (*transport.Result, error) {
	if then == nil || len(then.Argv) == 0 || then.Dir != "" || then.Stdout != nil || then.Stderr != nil {
		return nil, ErrNotOneCommand
	}
	if f.View != nil {
		return nil, errors.New("PrefetchThen reads the host, not a view")
	}
	p = path.Clean(p)
	f.pr.mu.Lock()
	lookups := f.pr.pending
	f.pr.pending = nil
	f.pr.mu.Unlock()
	marker := "runbook-then-" + Nonce()
	argv := probeArgv(p, content, lookups, marker, then.Argv)
	env := map[string]string{}
	for k, v := range then.Env {
		env[k] = v
	}
	for k, v := range cLocale {
		env[k] = v
	}
	cmd := &transport.Cmd{Argv: argv, Env: env, Stdin: then.Stdin}
	if then.Stdin != nil {
		cmd.StdinAfter = marker // no round trip for it when the file exists
	}
	res, err := f.Conn.Exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	ran, rest, err := f.keep(p, content, lookups, argv, res, true)
	if err != nil || !ran {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(rest, []byte(marker+"\n"))
	if !ok {
		return nil, &module.CommandError{Argv: argv[:3], RC: res.RC, Stderr: string(res.Stderr), Msg: "looking at " + p}
	}
	return &transport.Result{Stdout: rest, Stderr: res.Stderr, RC: res.RC, Duration: res.Duration}, nil
}

// Hypothetical returns an FS that answers as a host where p does not exist,
// its directory is a directory and each of lookups names a user or group
// that exists: what PrefetchThen's command runs on. It runs nothing: a
// question it has no answer for fails (its Conn runs no command).
func Hypothetical(p string, lookups []Lookup) *FS {
	p = path.Clean(p)
	dir := path.Dir(p)
	f := New(noConn{}, nil)
	absent := answer{err: fmt.Errorf("stat %s: %w", p, fs.ErrNotExist)}
	f.pr.put("lstat", p, absent)
	f.pr.put("stat", p, absent)
	f.pr.put("real", p, answer{s: p})
	f.pr.put("content", p, answer{err: fmt.Errorf("read %s: %w", p, fs.ErrNotExist)})
	f.pr.put("stat", dir, answer{fi: &FileInfo{Path: dir, Mode: fs.ModeDir | 0o755, UID: -1, GID: -1, ModTime: time.Unix(0, 0)}})
	for _, l := range lookups {
		if l.Name != "" {
			f.pr.put("getent "+l.DB, l.Name, answer{ok: true, s: l.Name})
		}
	}
	return f
}

// noConn runs nothing.
type noConn struct{}

var errHypothetical = errors.New("a hypothetical host runs no command")

func (noConn) Exec(context.Context, *transport.Cmd) (*transport.Result, error) {
	return nil, errHypothetical
}
func (noConn) Upload(context.Context, io.Reader, string, fs.FileMode) error { return errHypothetical }
func (noConn) Download(context.Context, string, io.Writer) error            { return errHypothetical }
func (noConn) Close() error                                                 { return nil }

// Replay is a transport.Conn for an apply that runs one command: the
// first Exec records its command and returns Result (an empty success
// when nil); anything else fails with ErrNotOneCommand.
type Replay struct {
	Cmd    *transport.Cmd
	Result *transport.Result
}

func (r *Replay) Exec(_ context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	if r.Cmd != nil {
		return nil, ErrNotOneCommand
	}
	r.Cmd = cmd
	if r.Result != nil {
		return r.Result, nil
	}
	return &transport.Result{}, nil
}

func (*Replay) Upload(context.Context, io.Reader, string, fs.FileMode) error {
	return ErrNotOneCommand
}
func (*Replay) Download(context.Context, string, io.Writer) error { return ErrNotOneCommand }
func (*Replay) Close() error                                      { return nil }

// NotHypothetical says PrefetchThen's command ran while the plan read from
// its probe is not the hypothetical one: a defect of the module (its
// Converge and Plan disagree), never the host's.
type NotHypothetical struct{ Path string }

func (e *NotHypothetical) Error() string {
	return "internal error: the one-command change of " + e.Path + " ran, but the plan read from the host differs from the one it was made for; please report it"
}

// Nonce is a random word for names and markers that nothing else on the
// host may hold (a staging file, an output marker).
func Nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
