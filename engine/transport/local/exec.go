package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Exec runs cmd.Argv on this machine, without a shell. A non-zero exit
// status is a Result (a command killed by signal N has RC 128+N); an error
// means the command could not be started, sudo refused to run it, or ctx
// was cancelled (the error then wraps ctx.Err()).
//
// Cancelling ctx sends SIGTERM to the command's whole process group and
// SIGKILL after the Conn's kill grace; Exec returns once the group is gone.
//
// cmd.Stdout and cmd.Stderr, when set, are called with complete lines as
// they arrive; the two are never called at the same time.
func (c *Conn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	// A program written just before (a script upload) can still be open
	// for writing in a child that another goroutine is forking at that
	// moment; exec then fails with ETXTBSY until that child execs
	// (golang/go#22315). Nothing ran, so starting again is safe.
	for attempt := 0; ; attempt++ {
		res, err := c.exec(ctx, cmd)
		if err == nil || !errors.Is(err, syscall.ETXTBSY) || attempt == 20 || ctx.Err() != nil {
			return res, err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
}

func (c *Conn) exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	if c.closed.Load() {
		return nil, fmt.Errorf("host %s: %w", c.name, errClosed)
	}
	if cmd == nil || len(cmd.Argv) == 0 {
		return nil, fmt.Errorf("host %s: empty command", c.name)
	}
	if err := checkEnv(cmd.Env); err != nil {
		return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], err)
	}
	if cmd.Dir != "" {
		// exec's own error would not name the directory.
		if fi, err := os.Stat(cmd.Dir); err != nil {
			return nil, fmt.Errorf("host %s: %s: working directory: %w", c.name, cmd.Argv[0], err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("host %s: %s: working directory %s is not a directory", c.name, cmd.Argv[0], cmd.Dir)
		}
	}

	var cbMu sync.Mutex // callbacks never run concurrently
	stdout := &lineWriter{mu: &cbMu, cb: cmd.Stdout}
	stderr := &lineWriter{mu: &cbMu, cb: cmd.Stderr}

	argv := cmd.Argv
	var b *becomeSession
	if cmd.Become != nil {
		var err error
		b, err = newBecomeSession(cmd.Become, stderr)
		if err != nil {
			return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], err)
		}
		argv = b.argv(c.sudoPath, cmd.Argv, cmd.Env)
	}

	ec := exec.CommandContext(ctx, argv[0], argv[1:]...)
	ec.Dir = cmd.Dir
	if b == nil && len(cmd.Env) > 0 {
		ec.Env = append(os.Environ(), envList(cmd.Env)...)
	}
	ec.Stdout = stdout
	if b != nil {
		ec.Stderr = b
	} else {
		ec.Stderr = stderr
	}
	ec.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	var (
		cancelled atomic.Bool
		groupGone = make(chan struct{})
	)
	ec.Cancel = func() error {
		cancelled.Store(true)
		go killGroup(ec.Process.Pid, c.killGrace, groupGone)
		return nil
	}
	// Bounds how long Wait waits for pipes held open by background
	// children once the command itself has exited (or been cancelled).
	ec.WaitDelay = c.killGrace + time.Second

	var stdinW *os.File
	if b != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("host %s: %s: stdin pipe: %w", c.name, cmd.Argv[0], err)
		}
		ec.Stdin, stdinW = r, w
		b.stdin = w
	} else {
		ec.Stdin = cmd.Stdin
	}

	start := time.Now()
	err := ec.Start()
	if stdinW != nil {
		ec.Stdin.(*os.File).Close() // the child has its own copy
	}
	if err != nil {
		if stdinW != nil {
			stdinW.Close()
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], ctx.Err())
		}
		return nil, fmt.Errorf("host %s: starting %s: %w", c.name, cmd.Argv[0], err)
	}
	done := make(chan struct{})
	if b != nil {
		go b.feedStdin(cmd.Stdin, done)
	}
	waitErr := ec.Wait()
	close(done)
	dur := time.Since(start)
	stdout.flush()
	if b != nil {
		b.flush()
	}

	if cancelled.Load() {
		<-groupGone
		return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], ctx.Err())
	}
	res := &transport.Result{
		RC:       ec.ProcessState.ExitCode(),
		Stdout:   stdout.full.Bytes(),
		Stderr:   stderr.full.Bytes(),
		Duration: dur,
	}
	if ws, ok := ec.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.RC = 128 + int(ws.Signal())
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !errors.Is(waitErr, exec.ErrWaitDelay) {
		return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], waitErr)
	}
	if b != nil {
		if err := b.err(res); err != nil {
			return nil, fmt.Errorf("host %s: %s: %w", c.name, cmd.Argv[0], err)
		}
	}
	return res, nil
}

// killGroup sends SIGTERM to the process group pgid, waits up to grace for
// it to be empty, then sends SIGKILL. It closes gone when done.
func killGroup(pgid int, grace time.Duration, gone chan<- struct{}) {
	defer close(gone)
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !groupAlive(pgid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	// Wait (briefly) until the kernel has delivered the SIGKILLs, so the
	// caller can rely on the group being gone when Exec returns.
	for i := 0; i < 100 && groupAlive(pgid); i++ {
		time.Sleep(10 * time.Millisecond)
	}
}

// groupAlive reports whether a process of group pgid is still running.
// Zombies do not count: orphans are reaped by PID 1, which may take its
// time (or, in a container, never come).
func groupAlive(pgid int) bool {
	if syscall.Kill(-pgid, 0) != nil {
		return false // ESRCH: nobody left in the group
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return true // cannot tell: assume the worst
	}
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if f[2] == strconv.Itoa(pgid) {
			return true
		}
	}
	return false
}

// checkEnv rejects environment names that cannot be passed on.
func checkEnv(env map[string]string) error {
	for k, v := range env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("invalid environment variable name %q", k)
		}
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("environment variable %s contains a NUL byte", k)
		}
	}
	return nil
}

// envList renders env as sorted NAME=VALUE strings.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
