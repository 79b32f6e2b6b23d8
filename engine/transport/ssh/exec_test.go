package ssh

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

func dial(t *testing.T, p *Pool, ep *transport.Endpoint) transport.Conn {
	t.Helper()
	c, err := p.Dial(context.Background(), ep)
	if err != nil {
		t.Fatalf("dial %s: %v", ep.Name, err)
	}
	return c
}

func TestExec(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		c := dial(t, f.pool(t, Options{ShellAhead: mode}), f.endpoint(0))
		dir := t.TempDir()

		cases := []struct {
			name       string
			cmd        transport.Cmd
			rc         int
			stdout     string
			stderr     string
			stdoutLine []string
		}{
			{name: "true", cmd: transport.Cmd{Argv: []string{"true"}}},
			{name: "rc", cmd: transport.Cmd{Argv: []string{"/bin/sh", "-c", "exit 3"}}, rc: 3},
			{name: "streams", cmd: transport.Cmd{Argv: []string{"/bin/sh", "-c", "echo out1; echo err1 >&2; echo out2; printf last"}},
				stdout: "out1\nout2\nlast", stderr: "err1\n", stdoutLine: []string{"out1", "out2", "last"}},
			{name: "stdin", cmd: transport.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("hello\nworld\n")}, stdout: "hello\nworld\n"},
			{name: "dir", cmd: transport.Cmd{Argv: []string{"pwd"}, Dir: dir}, stdout: dir + "\n"},
			{name: "missing dir", cmd: transport.Cmd{Argv: []string{"pwd"}, Dir: dir + "/nope"}, rc: 2,
				stderr: "/bin/sh: 1: cd: can't cd to " + dir + "/nope\n"},
			{name: "env", cmd: transport.Cmd{Argv: []string{"/bin/sh", "-c", `printf '%s|%s' "$RB_A" "$RB_B"`},
				Env: map[string]string{"RB_A": "x y", "RB_B": "it's $HOME"}}, stdout: "x y|it's $HOME"},
			{name: "signal", cmd: transport.Cmd{Argv: []string{"/bin/sh", "-c", "kill -TERM $$"}}, rc: 143,
				stderr: "killed by signal TERM\n"},
			{name: "not found", cmd: transport.Cmd{Argv: []string{"no-such-command-rb"}}, rc: 127,
				stderr: "/bin/sh: 1: exec: no-such-command-rb: not found\n"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var mu sync.Mutex
				var lines []string
				cmd := tc.cmd
				cmd.Stdout = func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
				res, err := c.Exec(context.Background(), &cmd)
				if err != nil {
					t.Fatal(err)
				}
				if res.RC != tc.rc || string(res.Stdout) != tc.stdout || string(res.Stderr) != tc.stderr {
					t.Errorf("got rc %d stdout %q stderr %q, want rc %d stdout %q stderr %q",
						res.RC, res.Stdout, res.Stderr, tc.rc, tc.stdout, tc.stderr)
				}
				if tc.stdoutLine != nil && strings.Join(lines, "|") != strings.Join(tc.stdoutLine, "|") {
					t.Errorf("stdout lines %q, want %q", lines, tc.stdoutLine)
				}
			})
		}
		if s := f.servers[0]; mode == ShellAheadAlways && s.execs.Load() != s.shells.Load() {
			t.Errorf("%d exec requests, %d of them shells started ahead: a command fell back to its own", s.execs.Load(), s.shells.Load())
		}
	})
}

// TestExecInjection: an argument holding shell syntax arrives as one
// argument and nothing else runs.
func TestExecInjection(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		c := dial(t, f.pool(t, Options{ShellAhead: mode}), f.endpoint(0))
		marker := filepath.Join(t.TempDir(), "PWNED")
		args := append([]string{"printf", `[%s]\n`}, nasty...)
		args = append(args, "; touch "+marker, "$(touch "+marker+")", "`touch "+marker+"`", "' ; touch "+marker+" ; '")
		res, err := c.Exec(context.Background(), &transport.Cmd{Argv: args,
			Env: map[string]string{"X": "; touch " + marker}, Dir: "/tmp"})
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for _, a := range args[2:] {
			want.WriteString("[" + a + "]\n")
		}
		if string(res.Stdout) != want.String() {
			t.Errorf("arguments changed on the way:\n got %q\nwant %q", res.Stdout, want.String())
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s exists: an argument was run by the shell", marker)
		}
	})
}

// TestOneHandshake: many concurrent Dials and Execs on one host share one
// handshake, and every Exec is its own session.
func TestOneHandshake(t *testing.T) {
	f := newFixture(t, 3)
	p := f.pool(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := p.Dial(context.Background(), f.endpoint(i%3))
			if err != nil {
				errs <- err
				return
			}
			res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"echo", fmt.Sprint(i)}})
			if err != nil {
				errs <- err
				return
			}
			if string(res.Stdout) != fmt.Sprintf("%d\n", i) {
				errs <- fmt.Errorf("exec %d: stdout %q", i, res.Stdout)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, s := range f.servers {
		name := f.endpoint(i).Name
		if got := p.Handshakes(name); got != 1 {
			t.Errorf("%s: pool counted %d handshakes, want 1", name, got)
		}
		if got := s.handshakes.Load(); got != 1 {
			t.Errorf("%s: server saw %d handshakes, want 1", name, got)
		}
		if got := s.execs.Load(); got != 20 {
			t.Errorf("%s: server saw %d exec sessions, want 20", name, got)
		}
	}
}

// TestCancelKillsRemote: a command whose context ends is killed on the
// remote side, including its children (the whole process group).
func TestCancelKillsRemote(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		c := dial(t, f.pool(t, Options{ShellAhead: mode, KillGrace: 500 * time.Millisecond}), f.endpoint(0))
		marker := fmt.Sprintf("299.%d", time.Now().UnixNano()%1000000007)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		// sh stays the parent of sleep (two commands), so killing sh alone
		// would leave sleep behind.
		_, err := c.Exec(ctx, &transport.Cmd{Argv: []string{"/bin/sh", "-c", "sleep " + marker + "; echo done"}})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want a deadline error, got %v", err)
		}
		if transport.IsUnreachable(err) {
			t.Errorf("a timeout is not unreachable: %v", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("cancel took %s", d)
		}
		waitGone(t, "sleep "+marker)
	})
}

// waitGone fails if a process whose command line contains s is still there
// after a short while.
func waitGone(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		out, _ := exec.Command("pgrep", "-f", "-a", s).Output()
		if len(strings.TrimSpace(string(out))) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("remote command still running: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBecomeFakeSudo(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		bin := t.TempDir()
		self, _ := filepath.Abs("testdata/fake-sudo")
		if err := os.Symlink(self, filepath.Join(bin, "sudo")); err != nil {
			t.Fatal(err)
		}
		f.servers[0].setEnv("PATH=" + bin + ":" + os.Getenv("PATH"))
		c := dial(t, f.pool(t, Options{ShellAhead: mode}), f.endpoint(0))
		ctx := context.Background()
		who := []string{"/bin/sh", "-c", `echo "as $FAKE_SUDO_USER"; cat`}

		res, err := c.Exec(ctx, &transport.Cmd{Argv: who, Stdin: strings.NewReader("input\n"),
			Become: &transport.Become{Method: "sudo", User: "app", Password: "secret"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.Stdout); got != "as app\ninput\n" || res.RC != 0 || len(res.Stderr) != 0 {
			t.Errorf("become: rc %d stdout %q stderr %q; want the password to reach sudo only", res.RC, got, res.Stderr)
		}

		_, err = c.Exec(ctx, &transport.Cmd{Argv: who, Become: &transport.Become{Password: "wrong-pw-123"}})
		var be *BecomeError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "incorrect password") || !strings.Contains(err.Error(), `"root"`) {
			t.Errorf("wrong password: want a BecomeError naming the user, got %v", err)
		}
		if err != nil && strings.Contains(err.Error(), "wrong-pw-123") {
			t.Errorf("the error shows the password: %v", err)
		}

		_, err = c.Exec(ctx, &transport.Cmd{Argv: who, Become: &transport.Become{}})
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "none is set") {
			t.Errorf("no password: got %v", err)
		}

		_, err = c.Exec(ctx, &transport.Cmd{Argv: who, Become: &transport.Become{User: "nobody-here", Password: "secret"}})
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "unknown user") {
			t.Errorf("sudo refusing: got %v", err)
		}

		// NOPASSWD: the password must not turn into the command's input.
		f.servers[0].setEnv("FAKE_SUDO_NOPASSWD=1")
		res, err = c.Exec(ctx, &transport.Cmd{Argv: who, Stdin: strings.NewReader("only this\n"),
			Become: &transport.Become{Password: "secret"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.Stdout); got != "as root\nonly this\n" {
			t.Errorf("NOPASSWD: stdout %q", got)
		}

		_, err = c.Exec(ctx, &transport.Cmd{Argv: []string{"true"}, Become: &transport.Become{Method: "su"}})
		if err == nil || !strings.Contains(err.Error(), `"su" is not supported`) {
			t.Errorf("become method su: got %v", err)
		}
	})
}

// TestMaxSessions: more commands at once than the server allows sessions
// per connection wait for a slot instead of failing.
func TestMaxSessions(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		f.servers[0].maxSessions.Store(5)
		c := dial(t, f.pool(t, Options{ShellAhead: mode, MaxSessions: 5}), f.endpoint(0))
		var wg sync.WaitGroup
		errs := make(chan error, 30)
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"sleep", "0.05"}})
				if err == nil && res.RC != 0 {
					err = fmt.Errorf("rc %d", res.RC)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if p := f.servers[0].peak.Load(); p > 3 {
			t.Errorf("%d sessions at once; want at most 3 (5 minus the SFTP and kill reserve)", p)
		}
		ahead := 1
		if mode == ShellAheadAlways {
			ahead = 2 // a far host keeps two shells ahead
		}
		// A server refusing a session is an error, but not "unreachable".
		// (The session opened ahead of the next command is open already: it
		// runs one more command.)
		f.servers[0].maxSessions.Store(1)
		f.servers[0].open.Add(1 << 20)
		for i := 0; i < ahead; i++ {
			if _, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}}); err != nil {
				t.Errorf("on the session opened ahead: %v", err)
			}
		}
		_, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}})
		if err == nil || transport.IsUnreachable(err) || !strings.Contains(err.Error(), "refused a new session") {
			t.Errorf("refused session: got %v", err)
		}
	})
}

// TestStdinAfter: stdin held back (Cmd.StdinAfter) goes out once the
// command prints the line, and not at all when it ends without it: then
// it costs no round trip.
func TestStdinAfter(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		c := dial(t, f.pool(t, Options{ShellAhead: mode}), f.endpoint(0)).(*Conn)
		cases := []struct {
			name, script, stdout string
			trips                int64
		}{
			{"asked", `printf 'x\nready-42\n'; cat`, "x\nready-42\npayload\n", 2},
			{"asked at the end of a partial line", `printf 'abcready-42\n'; cat`, "abcready-42\npayload\n", 2},
			{"not asked", `printf 'x\n'`, "x\n", 1},
			{"another line", `printf 'ready-4\n'`, "ready-4\n", 1},
		}
		for _, tc := range cases {
			before := c.Stats()
			res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"/bin/sh", "-c", tc.script},
				Stdin: strings.NewReader("payload\n"), StdinAfter: "ready-42"})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if string(res.Stdout) != tc.stdout || res.RC != 0 {
				t.Errorf("%s: rc %d stdout %q, want %q", tc.name, res.RC, res.Stdout, tc.stdout)
			}
			trips := tc.trips
			if mode == ShellAheadAlways {
				trips = 1 // the payload left with the command line
			}
			if d := c.Stats().Sub(before).RoundTrips; d != trips {
				t.Errorf("%s: %d round trips, want %d", tc.name, d, trips)
			}
		}
	})
}
