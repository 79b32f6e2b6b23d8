// Package transporttest holds the contract every transport.Conn keeps, as
// a test any transport (or wrapper of one) runs against a real target:
// argv reaches the command unchanged whatever it holds, exit statuses are
// Results, stdin, environment and working directory arrive, output is
// streamed by line, uploads are atomic with their mode, downloads return
// what was written. Test support only.
package transporttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Target is what Conformance runs against.
type Target struct {
	Conn transport.Conn
	// Dir is an empty directory on the target the test may write in.
	Dir string
	// Become, when set, is put on every command (and uploads go through
	// UploadAs when the Conn has it).
	Become *transport.Become
}

// Hostile are arguments that break any transport that builds a shell line
// without quoting every word.
var Hostile = []string{
	"plain", "two words", "", " lead and trail ", "it's", `"double"`, `back\slash`, "$HOME", "${PATH}", "$(id -u)", "`id`",
	"a;b", "a|b", "a&&b", "> /tmp/x", "*", "?", "[a]", "~", "#comment", "new\nline", "tab\there", "-n", "--", "日本語",
}

// Conformance runs the contract against tg, each part as a subtest.
func Conformance(t *testing.T, tg Target) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(t *testing.T, cmd *transport.Cmd) *transport.Result {
		t.Helper()
		cmd.Become = tg.Become
		r, err := tg.Conn.Exec(ctx, cmd)
		if err != nil {
			t.Fatalf("%q: %v", cmd.Argv, err)
		}
		return r
	}

	t.Run("argv", func(t *testing.T) {
		argv := append([]string{"printf", `[%s]\n`}, Hostile...)
		r := run(t, &transport.Cmd{Argv: argv})
		var want strings.Builder
		for _, a := range Hostile {
			fmt.Fprintf(&want, "[%s]\n", a)
		}
		if r.RC != 0 || string(r.Stdout) != want.String() {
			t.Errorf("rc %d, stdout\n%q\nwant\n%q\nstderr %q", r.RC, r.Stdout, want.String(), r.Stderr)
		}
	})
	t.Run("shell script argument", func(t *testing.T) {
		r := run(t, &transport.Cmd{Argv: []string{"/bin/sh", "-c", `printf '%s|%s' "$1" "$2"`, "sh", "it's $HOME", "a;b"}})
		if string(r.Stdout) != "it's $HOME|a;b" {
			t.Errorf("stdout %q", r.Stdout)
		}
	})
	t.Run("exit status is a result", func(t *testing.T) {
		r := run(t, &transport.Cmd{Argv: []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 7"}})
		if r.RC != 7 || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" {
			t.Errorf("rc %d stdout %q stderr %q", r.RC, r.Stdout, r.Stderr)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		in := "line one\nit's line two\n"
		r := run(t, &transport.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader(in)})
		if r.RC != 0 || string(r.Stdout) != in {
			t.Errorf("rc %d stdout %q", r.RC, r.Stdout)
		}
	})
	t.Run("env", func(t *testing.T) {
		val := `it's "quoted" $HOME; x`
		r := run(t, &transport.Cmd{Argv: []string{"/bin/sh", "-c", `printf '%s' "$RB_CONFORMANCE"`}, Env: map[string]string{"RB_CONFORMANCE": val}})
		if string(r.Stdout) != val {
			t.Errorf("stdout %q, want %q", r.Stdout, val)
		}
	})
	t.Run("dir", func(t *testing.T) {
		r := run(t, &transport.Cmd{Argv: []string{"pwd"}, Dir: tg.Dir})
		if strings.TrimSpace(string(r.Stdout)) != tg.Dir {
			t.Errorf("pwd %q, want %s", r.Stdout, tg.Dir)
		}
	})
	t.Run("lines streamed", func(t *testing.T) {
		var mu sync.Mutex
		var lines []string
		r := run(t, &transport.Cmd{Argv: []string{"/bin/sh", "-c", "echo a; echo b"}, Stdout: func(l string) {
			mu.Lock()
			lines = append(lines, l)
			mu.Unlock()
		}})
		if r.RC != 0 || strings.Join(lines, ",") != "a,b" {
			t.Errorf("lines %q", lines)
		}
	})
	t.Run("upload and download", func(t *testing.T) {
		dst := tg.Dir + "/it's a file"
		for _, content := range []string{"first\n", "second, longer\x00binary\xff\n"} {
			if err := upload(ctx, tg, dst, content, 0o640); err != nil {
				t.Fatalf("upload: %v", err)
			}
			var got bytes.Buffer
			if err := download(ctx, tg, dst, &got); err != nil {
				t.Fatalf("download: %v", err)
			}
			if got.String() != content {
				t.Errorf("downloaded %q, want %q", got.String(), content)
			}
		}
		r := run(t, &transport.Cmd{Argv: []string{"stat", "-c", "%a", dst}})
		if strings.TrimSpace(string(r.Stdout)) != "640" {
			t.Errorf("mode %q", r.Stdout)
		}
		r = run(t, &transport.Cmd{Argv: []string{"ls", "-A", tg.Dir}})
		if strings.TrimSpace(string(r.Stdout)) != "it's a file" {
			t.Errorf("left in the directory: %q", r.Stdout)
		}
	})
	t.Run("download of a missing file fails", func(t *testing.T) {
		var got bytes.Buffer
		if err := download(ctx, tg, tg.Dir+"/missing", &got); err == nil {
			t.Errorf("no error, got %q", got.String())
		}
	})
}

type uploaderAs interface {
	UploadAs(ctx context.Context, src io.Reader, dst string, mode fs.FileMode, become *transport.Become) error
}

// upload writes through the Conn's own UploadAs when Become is set (as the
// engine's become wrapper does), else Upload.
func upload(ctx context.Context, tg Target, dst, content string, mode fs.FileMode) error {
	if tg.Become != nil {
		u, ok := tg.Conn.(uploaderAs)
		if !ok {
			return fmt.Errorf("%T has no UploadAs for become", tg.Conn)
		}
		return u.UploadAs(ctx, strings.NewReader(content), dst, mode, tg.Become)
	}
	return tg.Conn.Upload(ctx, strings.NewReader(content), dst, mode)
}

// download reads with Download, or with cat as the become user (what the
// engine's become wrapper does).
func download(ctx context.Context, tg Target, src string, dst io.Writer) error {
	if tg.Become == nil {
		return tg.Conn.Download(ctx, src, dst)
	}
	r, err := tg.Conn.Exec(ctx, &transport.Cmd{Argv: []string{"cat", "--", src}, Become: tg.Become})
	if err != nil {
		return err
	}
	if r.RC != 0 {
		return fmt.Errorf("cat %s: exit %d: %s", src, r.RC, r.Stderr)
	}
	_, err = dst.Write(r.Stdout)
	return err
}
