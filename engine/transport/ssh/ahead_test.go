package ssh

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/transporttest"
)

// shellModes are the two ways a command reaches the host: its own exec
// request, or the command line on the stdin of a shell started ahead.
var shellModes = []struct {
	name string
	mode ShellAhead
}{{"exec", ShellAheadNever}, {"shell-ahead", ShellAheadAlways}}

// eachShellMode runs fn once per shellModes entry, as subtests.
func eachShellMode(t *testing.T, fn func(t *testing.T, mode ShellAhead)) {
	for _, m := range shellModes {
		t.Run(m.name, func(t *testing.T) { fn(t, m.mode) })
	}
}

// TestConformance: the transport contract holds whether commands go as
// exec requests or to a shell started ahead.
func TestConformance(t *testing.T) {
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		c := dial(t, f.pool(t, Options{ShellAhead: mode}), f.endpoint(0))
		transporttest.Conformance(t, transporttest.Target{Conn: c, Dir: t.TempDir()})
		if s := f.servers[0]; mode == ShellAheadAlways && (s.shells.Load() == 0 || s.execs.Load() != s.shells.Load()) {
			t.Errorf("%d exec requests, %d of them shells started ahead: want every command on one", s.execs.Load(), s.shells.Load())
		}
	})
}

// TestShellAheadRoundTrips: on a shell started ahead a command and its
// stdin leave together (one round trip); stdin too big to keep waits for
// the command to start (two), as every stdin does on an exec request.
func TestShellAheadRoundTrips(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcde\n"), earlyStdinMax/16+1)
	cases := []struct {
		name        string
		stdin       []byte
		after       string
		script      string
		shell, exec int64
	}{
		{"no stdin", nil, "", "echo hi", 1, 1},
		{"small stdin", []byte("payload\n"), "", "cat", 1, 2},
		{"small stdin asked for", []byte("payload\n"), "go-1", "echo go-1; cat", 1, 2},
		{"small stdin not asked for", []byte("payload\n"), "go-1", "echo no", 1, 1},
		{"big stdin", big, "", "cat", 2, 2},
		{"big stdin asked for", big, "go-1", "echo go-1; cat", 2, 2},
	}
	eachShellMode(t, func(t *testing.T, mode ShellAhead) {
		f := newFixture(t, 1)
		c := dial(t, f.pool(t, Options{ShellAhead: mode}), f.endpoint(0)).(*Conn)
		for _, tc := range cases {
			cmd := &transport.Cmd{Argv: []string{"/bin/sh", "-c", tc.script}, StdinAfter: tc.after}
			want := "hi\n"
			switch {
			case tc.script == "echo no":
				want = "no\n"
			case tc.stdin != nil:
				cmd.Stdin = bytes.NewReader(tc.stdin)
				want = string(tc.stdin)
				if tc.after != "" {
					want = tc.after + "\n" + want
				}
			}
			before := c.Stats()
			res, err := c.Exec(context.Background(), cmd)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if string(res.Stdout) != want || res.RC != 0 {
				t.Errorf("%s: rc %d, %d bytes of stdout, want %d", tc.name, res.RC, len(res.Stdout), len(want))
			}
			trips := tc.exec
			if mode == ShellAheadAlways {
				trips = tc.shell
			}
			if d := c.Stats().Sub(before).RoundTrips; d != trips {
				t.Errorf("%s: %d round trips, want %d", tc.name, d, trips)
			}
		}
	})
}

// TestShellAheadDiedBeforeTheCommand: a shell started ahead that ended
// before the command line reached it (here: the server ran "exit 7"
// instead) never passes for the command's result. The command runs once,
// on a new session, with all its stdin, small or too big to keep.
func TestShellAheadDiedBeforeTheCommand(t *testing.T) {
	big := bytes.Repeat([]byte("x"), earlyStdinMax*3)
	for _, stdin := range [][]byte{nil, []byte("small\n"), big} {
		f := newFixture(t, 1)
		s := f.servers[0]
		s.rewrite = func(cmd string) string {
			if cmd == readerScript {
				return "exit 7"
			}
			return cmd
		}
		c := dial(t, f.pool(t, Options{ShellAhead: ShellAheadAlways}), f.endpoint(0))
		log := filepath.Join(t.TempDir(), "ran")
		cmd := &transport.Cmd{Argv: []string{"/bin/sh", "-c", `echo ran >>"$1"; wc -c`, "sh", log}}
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		time.Sleep(50 * time.Millisecond) // let the shell opened at Dial end
		res, err := c.Exec(context.Background(), cmd)
		if err != nil {
			t.Fatalf("%d bytes of stdin: %v", len(stdin), err)
		}
		if got := strings.TrimSpace(string(res.Stdout)); got != fmt.Sprint(len(stdin)) || res.RC != 0 {
			t.Errorf("%d bytes of stdin: rc %d, the command read %q bytes", len(stdin), res.RC, got)
		}
		if m := c.(*Conn).Stats().Missed; m != 1 {
			t.Errorf("%d bytes of stdin: Stats.Missed %d, want 1", len(stdin), m)
		}
		if b, _ := os.ReadFile(log); string(b) != "ran\n" {
			t.Errorf("%d bytes of stdin: the command ran %d times, want once", len(stdin), strings.Count(string(b), "ran"))
		}
	}
}

// TestShellAheadDeadShellIsNotTheResult is the negative control of the
// test above: were the shell's exit taken for the command's result (no
// check that the wrapper line ran), the command would "fail" with rc 7 and
// never run. The shell is told to eat the line and exit 7.
func TestShellAheadDeadShellIsNotTheResult(t *testing.T) {
	f := newFixture(t, 1)
	f.servers[0].rewrite = func(cmd string) string {
		if cmd == readerScript {
			return "read -r c; exit 7"
		}
		return cmd
	}
	c := dial(t, f.pool(t, Options{ShellAhead: ShellAheadAlways}), f.endpoint(0))
	res, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"echo", "ran"}})
	if err != nil || res.RC != 0 || string(res.Stdout) != "ran\n" {
		t.Fatalf("got %+v, %v; want the command run on a new session", res, err)
	}
}

// TestShellAheadAuto: the default starts shells ahead for a far host that
// has been sent stdin only.
func TestShellAheadAuto(t *testing.T) {
	for _, tc := range []struct {
		delay time.Duration
		stdin bool
		want  bool
	}{{0, true, false}, {2 * ShellAheadMinRTT, false, false}, {2 * ShellAheadMinRTT, true, true}} {
		f := newFixture(t, 1)
		f.servers[0].openDelay = tc.delay
		c := dial(t, f.pool(t, Options{}), f.endpoint(0))
		for i := 0; i < 3; i++ {
			cmd := &transport.Cmd{Argv: []string{"cat"}}
			if tc.stdin {
				cmd.Stdin = strings.NewReader("x")
			}
			if _, err := c.Exec(context.Background(), cmd); err != nil {
				t.Fatalf("delay %s: %v", tc.delay, err)
			}
		}
		if got := f.servers[0].shells.Load() > 0; got != tc.want {
			t.Errorf("channel opens taking %s, stdin %v: shells started ahead: %v, want %v", tc.delay, tc.stdin, got, tc.want)
		}
	}
}

// TestOneLine: any argv, written by oneLine as the line readerScript
// reads, reaches the command unchanged through a real /bin/sh, and the
// rest of stdin is the command's.
func TestOneLine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab '\"\\$`\n\t;|&()<>*?[]~#!{}=%\r\x01é")
	for i := 0; i < 150; i++ {
		argv := []string{"/bin/sh", "-c", `printf '[%s]\n' "$@"; cat`, "sh"}
		want := ""
		for j := 0; j < 1+r.IntN(4); j++ {
			var b strings.Builder
			for k := 0; k < r.IntN(12); k++ {
				b.WriteRune(alphabet[r.IntN(len(alphabet))])
			}
			argv = append(argv, b.String())
			want += "[" + b.String() + "]\n"
		}
		want += "the rest\n"
		line := oneLine(remoteCommand(&transport.Cmd{Argv: argv}, newControl("n", false)))
		if strings.Contains(line, "\n") {
			t.Fatalf("oneLine left a newline: %q", line)
		}
		cmd := exec.Command("/bin/sh", "-c", readerScript)
		cmd.Stdin = strings.NewReader(line + "\nthe rest\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if !strings.HasPrefix(stderr.String(), "RUNBOOK-PID-n ") {
			t.Fatalf("argv %q: the wrapper's PID line is missing: %q", argv, stderr.String())
		}
		if err != nil || string(out) != want {
			t.Fatalf("argv %q: got %q (%v), want %q", argv, out, err, want)
		}
	}
}
