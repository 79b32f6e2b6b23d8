package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

func TestExec(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name       string
		cmd        transport.Cmd
		wantRC     int
		wantStdout string
		wantStderr string
	}{
		{name: "true", cmd: transport.Cmd{Argv: []string{"true"}}},
		{name: "false", cmd: transport.Cmd{Argv: []string{"false"}}, wantRC: 1},
		{name: "exit 42", cmd: transport.Cmd{Argv: []string{"sh", "-c", "exit 42"}}, wantRC: 42},
		{name: "killed by signal", cmd: transport.Cmd{Argv: []string{"sh", "-c", "kill -TERM $$"}}, wantRC: 128 + 15},
		{
			name:       "stdout and stderr",
			cmd:        transport.Cmd{Argv: []string{"sh", "-c", "echo out; echo err >&2; exit 3"}},
			wantRC:     3,
			wantStdout: "out\n",
			wantStderr: "err\n",
		},
		{
			name:       "argv is not a shell",
			cmd:        transport.Cmd{Argv: []string{"printf", "%s|%s", "; rm -rf /", "$(id) `id` *"}},
			wantStdout: "; rm -rf /|$(id) `id` *",
		},
		{
			name:       "env is added to the environment",
			cmd:        transport.Cmd{Argv: []string{"sh", "-c", `printf '%s %s' "$RB_A" "${PATH:+path-kept}"`}, Env: map[string]string{"RB_A": "x y; z"}},
			wantStdout: "x y; z path-kept",
		},
		{
			name:       "dir",
			cmd:        transport.Cmd{Argv: []string{"pwd"}, Dir: dir},
			wantStdout: dir + "\n",
		},
		{
			name:       "stdin",
			cmd:        transport.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("hello\nworld")},
			wantStdout: "hello\nworld",
		},
		{
			name:       "no stdin reads EOF",
			cmd:        transport.Cmd{Argv: []string{"sh", "-c", "cat; echo end"}},
			wantStdout: "end\n",
		},
		{
			name:       "background child holding stdout does not hang",
			cmd:        transport.Cmd{Argv: []string{"sh", "-c", "echo started; sleep 30 &"}},
			wantStdout: "started\n",
		},
	}
	c := New("test", WithKillGrace(200*time.Millisecond))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := tt.cmd
			res, err := c.Exec(context.Background(), &cmd)
			if err != nil {
				t.Fatalf("Exec: %v", err)
			}
			if res.RC != tt.wantRC {
				t.Errorf("RC = %d, want %d (stderr %q)", res.RC, tt.wantRC, res.Stderr)
			}
			if got := string(res.Stdout); got != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", got, tt.wantStdout)
			}
			if got := string(res.Stderr); got != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", got, tt.wantStderr)
			}
			if res.Duration <= 0 {
				t.Errorf("Duration = %v, want > 0", res.Duration)
			}
		})
	}
}

func TestExecErrors(t *testing.T) {
	dir := t.TempDir()
	closed := New("closed")
	closed.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		conn    *Conn
		ctx     context.Context
		cmd     *transport.Cmd
		wantErr string
		wantIs  error
	}{
		{name: "nil command", cmd: nil, wantErr: "empty command"},
		{name: "empty argv", cmd: &transport.Cmd{}, wantErr: "empty command"},
		{name: "missing program", cmd: &transport.Cmd{Argv: []string{"/nonexistent/prog"}}, wantErr: "starting /nonexistent/prog", wantIs: os.ErrNotExist},
		{name: "missing dir", cmd: &transport.Cmd{Argv: []string{"true"}, Dir: filepath.Join(dir, "nope")}, wantErr: "nope", wantIs: os.ErrNotExist},
		{name: "bad env name", cmd: &transport.Cmd{Argv: []string{"true"}, Env: map[string]string{"A=B": "x"}}, wantErr: `invalid environment variable name "A=B"`},
		{name: "closed conn", conn: closed, cmd: &transport.Cmd{Argv: []string{"true"}}, wantErr: "closed"},
		{name: "cancelled before start", ctx: cancelled, cmd: &transport.Cmd{Argv: []string{"true"}}, wantIs: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.conn
			if c == nil {
				c = New("h1")
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			res, err := c.Exec(ctx, tt.cmd)
			if err == nil {
				t.Fatalf("Exec succeeded with RC %d, want an error", res.RC)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), "host "+c.Name()) {
				t.Errorf("error %q does not name the host", err)
			}
		})
	}
}

// TestExecStreaming checks that lines reach the callbacks while the command
// still runs: the command waits for a file that the callback creates when it
// sees the first line, so a transport that only delivered lines at the end
// would make it time out.
func TestExecStreaming(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "go-on")
	script := `echo one; echo warn >&2; printf 'two\r\n'; while [ ! -e "$1" ]; do sleep 0.01; done; echo three; printf last`
	var (
		mu     sync.Mutex
		stdout []string
		stderr []string
	)
	cmd := &transport.Cmd{
		Argv: []string{"sh", "-c", script, "sh", flag},
		Stdout: func(line string) {
			mu.Lock()
			defer mu.Unlock()
			stdout = append(stdout, line)
			if line == "two" {
				if err := os.WriteFile(flag, nil, 0o600); err != nil {
					t.Error(err)
				}
			}
		},
		Stderr: func(line string) {
			mu.Lock()
			defer mu.Unlock()
			stderr = append(stderr, line)
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := New("").Exec(ctx, cmd)
	if err != nil {
		t.Fatalf("Exec: %v (lines were not streamed?)", err)
	}
	if got, want := strings.Join(stdout, "|"), "one|two|three|last"; got != want {
		t.Errorf("stdout lines = %q, want %q", got, want)
	}
	if got, want := strings.Join(stderr, "|"), "warn"; got != want {
		t.Errorf("stderr lines = %q, want %q", got, want)
	}
	if got, want := string(res.Stdout), "one\ntwo\r\nthree\nlast"; got != want {
		t.Errorf("full stdout = %q, want %q", got, want)
	}
}

// TestExecCancel checks that cancelling kills the command's child and
// grandchild, also when they ignore SIGTERM.
func TestExecCancel(t *testing.T) {
	tests := []struct {
		name   string
		script string
	}{
		{
			name:   "children exit on SIGTERM",
			script: `sleep 100 & echo $!; sh -c 'sleep 100 & echo $!; wait' & wait`,
		},
		{
			name:   "children ignore SIGTERM",
			script: `trap '' TERM; sleep 100 & echo $!; sh -c 'sleep 100 & echo $!; wait' & wait`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var (
				mu   sync.Mutex
				pids []int
			)
			cmd := &transport.Cmd{
				Argv: []string{"sh", "-c", tt.script},
				Stdout: func(line string) {
					pid, err := strconv.Atoi(line)
					if err != nil {
						t.Errorf("unexpected line %q", line)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					pids = append(pids, pid)
					if len(pids) == 2 {
						cancel()
					}
				},
			}
			c := New("h1", WithKillGrace(300*time.Millisecond))
			start := time.Now()
			_, err := c.Exec(ctx, cmd)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Exec error = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("Exec took %v after cancel", d)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(pids) != 2 {
				t.Fatalf("saw pids %v, want 2", pids)
			}
			for _, pid := range pids {
				if alive(pid) {
					t.Errorf("sleep %d still running after Exec returned", pid)
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestExecConcurrent(t *testing.T) {
	c := New("h1")
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("n=%d", i)
			var lines []string
			res, err := c.Exec(context.Background(), &transport.Cmd{
				Argv:   []string{"sh", "-c", `echo "n=$N"; cat`},
				Env:    map[string]string{"N": strconv.Itoa(i)},
				Stdin:  strings.NewReader(want),
				Stdout: func(l string) { lines = append(lines, l) },
			})
			switch {
			case err != nil:
				errs <- err
			case string(res.Stdout) != want+"\n"+want:
				errs <- fmt.Errorf("command %d: stdout %q", i, res.Stdout)
			case len(lines) != 2 || lines[0] != want || lines[1] != want:
				errs <- fmt.Errorf("command %d: lines %q", i, lines)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDialer(t *testing.T) {
	c, err := Dialer{}.Dial(context.Background(), &transport.Endpoint{Name: "ctl", Transport: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.(*Conn).Name(); got != "ctl" {
		t.Errorf("Name = %q, want ctl", got)
	}
	if _, err := (Dialer{}).Dial(context.Background(), &transport.Endpoint{Name: "web1", Transport: "ssh"}); err == nil || !strings.Contains(err.Error(), "web1") {
		t.Errorf("Dial of an ssh endpoint: err = %v, want an error naming web1", err)
	}
}

// haveRootSudo reports whether sudo runs here without a password.
func haveRootSudo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sudo"); err != nil {
		t.Skip("sudo is not installed")
	}
	if err := exec.Command("sudo", "-n", "-u", "nobody", "true").Run(); err != nil {
		t.Skipf("sudo -n -u nobody does not work here: %v", err)
	}
}

func TestExecBecomeSudo(t *testing.T) {
	haveRootSudo(t)
	tests := []struct {
		name       string
		cmd        transport.Cmd
		wantStdout string
		wantErr    string
	}{
		{
			name:       "runs as the become user",
			cmd:        transport.Cmd{Argv: []string{"id", "-un"}, Become: &transport.Become{User: "nobody"}},
			wantStdout: "nobody\n",
		},
		{
			name:       "empty user is root",
			cmd:        transport.Cmd{Argv: []string{"id", "-u"}, Become: &transport.Become{}},
			wantStdout: "0\n",
		},
		{
			name: "unused password never reaches stdin",
			cmd: transport.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("data"),
				Become: &transport.Become{User: "nobody", Password: "s3cret"}},
			wantStdout: "data",
		},
		{
			name: "env passes through sudo",
			cmd: transport.Cmd{Argv: []string{"sh", "-c", `printf '%s' "$RB_X"`}, Env: map[string]string{"RB_X": "a b"},
				Become: &transport.Become{User: "nobody"}},
			wantStdout: "a b",
		},
		{
			name:       "argv stays argv",
			cmd:        transport.Cmd{Argv: []string{"printf", "%s", "; id"}, Become: &transport.Become{}},
			wantStdout: "; id",
		},
		{
			name:    "unknown user",
			cmd:     transport.Cmd{Argv: []string{"true"}, Become: &transport.Become{User: "no-such-user-rb"}},
			wantErr: "sudo could not run the command as no-such-user-rb",
		},
		{
			name:    "unsupported method",
			cmd:     transport.Cmd{Argv: []string{"true"}, Become: &transport.Become{Method: "doas"}},
			wantErr: `become method "doas" is not supported`,
		},
	}
	c := New("h1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := tt.cmd
			res, err := c.Exec(context.Background(), &cmd)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.RC != 0 || string(res.Stdout) != tt.wantStdout {
				t.Errorf("rc %d stdout %q stderr %q, want stdout %q", res.RC, res.Stdout, res.Stderr, tt.wantStdout)
			}
		})
	}
}

// TestExecBecomePrompt uses a fake sudo that always asks for a password.
func TestExecBecomePrompt(t *testing.T) {
	fake, err := filepath.Abs("testdata/fake-sudo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		password   string
		wantStdout string
		wantErr    string
	}{
		{name: "right password", password: "s3cret", wantStdout: "stdin-data"},
		{name: "wrong password", password: "nope", wantErr: "sudo rejected the password to become app"},
		{name: "no password", password: "", wantErr: "sudo asks for a password to become app and none was given"},
	}
	c := New("h1", WithSudo(fake))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errLines []string
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := c.Exec(ctx, &transport.Cmd{
				Argv:   []string{"sh", "-c", "cat; echo to-stderr >&2"},
				Stdin:  strings.NewReader("stdin-data"),
				Become: &transport.Become{User: "app", Password: tt.password},
				Stderr: func(l string) { errLines = append(errLines, l) },
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.password != "" && strings.Contains(err.Error(), tt.password) {
					t.Errorf("error %q contains the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(res.Stdout); got != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", got, tt.wantStdout)
			}
			if got := string(res.Stderr); got != "to-stderr\n" {
				t.Errorf("stderr = %q, want only the command's own (no prompt, no marker)", got)
			}
			if got := strings.Join(errLines, "|"); got != "to-stderr" {
				t.Errorf("stderr lines = %q", got)
			}
		})
	}
}

func BenchmarkExec(b *testing.B) {
	c := New("bench")
	for b.Loop() {
		if _, err := c.Exec(context.Background(), &transport.Cmd{Argv: []string{"true"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExecStreaming(b *testing.B) {
	c := New("bench")
	n := 0
	for b.Loop() {
		if _, err := c.Exec(context.Background(), &transport.Cmd{
			Argv:   []string{"seq", "10000"},
			Stdout: func(string) { n++ },
		}); err != nil {
			b.Fatal(err)
		}
	}
}
