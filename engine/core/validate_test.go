package core

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/pmezard/go-difflib/difflib"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/transport"
)

// The invalid corpus: every folder of testdata/invalid holds a runbook
// (main.hcl), optionally an inventory (inventory.hcl, inventory.ini or
// inventory.yaml), --var values (vars, one NAME=VALUE a line) and a
// --var-file (vars.hcl), and an
// expect file listing the diagnostics that loading and preparing it must
// give, one a line, in order:
//
//	main.hcl:7:5: Unsupported argument
//	-: Value for undeclared variable        (no source range)
//	warning: main.hcl:3:1: ...              (a warning)
//
// Run `go test ./engine/core -run TestInvalid -update` to rewrite the
// expect files, then read every changed one: each position must point at
// the offending token.

func init() {
	// Defined here unless another test file of the package already did.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden and expect files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

// invalidCase is one folder of testdata/invalid.
type invalidCase struct {
	dir       string
	inventory []string
	vars      []string
	varFiles  []string
}

func readInvalidCase(t *testing.T, dir string) invalidCase {
	t.Helper()
	c := invalidCase{dir: dir}
	for _, name := range []string{"inventory.hcl", "inventory.ini", "inventory.yaml"} {
		p := filepath.Join(dir, name)
		if fileExists(p) {
			c.inventory = append(c.inventory, p)
		}
	}
	if p := filepath.Join(dir, "vars.hcl"); fileExists(p) {
		c.varFiles = append(c.varFiles, p)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "vars")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				c.vars = append(c.vars, line)
			}
		}
	}
	return c
}

// diagnose loads the case and, when loading passes, prepares it (check
// mode, as validate does), returning every diagnostic.
func (c invalidCase) diagnose() hcl.Diagnostics {
	loaded, diags := Load(LoadOptions{
		Dir:       filepath.Join(c.dir, "main.hcl"),
		Inventory: c.inventory,
		Registry:  stubRegistry(),
	})
	if diags.HasErrors() {
		return diags
	}
	_, d := loaded.Prepare(Options{Check: true, Vars: VarValues{Flags: c.vars, Files: c.varFiles}})
	return append(diags, d...)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// formatDiags renders diagnostics as expect lines, with file names
// relative to the case folder.
func formatDiags(dir string, diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			b.WriteString("warning: ")
		}
		if d.Subject == nil {
			b.WriteString("-")
		} else {
			name := d.Subject.Filename
			if rel, err := filepath.Rel(dir, name); err == nil && !strings.HasPrefix(rel, "..") {
				name = rel
			}
			fmt.Fprintf(&b, "%s:%d:%d", filepath.ToSlash(name), d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, ": %s\n", d.Summary)
	}
	return b.String()
}

func TestInvalid(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "invalid", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 35 {
		t.Fatalf("the invalid corpus has %d cases; expected at least 35", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c := readInvalidCase(t, dir)
			diags := c.diagnose()
			if !diags.HasErrors() {
				t.Fatalf("no error diagnostics; got %d others:\n%s", len(diags), formatDiags(dir, diags))
			}
			got := formatDiags(dir, diags)
			expectPath := filepath.Join(dir, "expect")
			if updating() {
				if err := os.WriteFile(expectPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(expectPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
					A: difflib.SplitLines(string(want)), B: difflib.SplitLines(got),
					FromFile: "expect", ToFile: "got", Context: 2,
				})
				t.Errorf("diagnostics differ:\n%s\nfull details:\n%s", diff, detailDiags(diags))
			}
		})
	}
}

// detailDiags shows summaries with details, for failure messages.
func detailDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "  %s\n", d.Error())
	}
	return b.String()
}

// fakeConn is a connection that does nothing: the stub modules never use
// it.
type fakeConn struct{}

func (fakeConn) Exec(context.Context, *transport.Cmd) (*transport.Result, error) {
	return &transport.Result{}, nil
}
func (fakeConn) Upload(context.Context, io.Reader, string, fs.FileMode) error { return nil }
func (fakeConn) Download(context.Context, string, io.Writer) error            { return nil }
func (fakeConn) Close() error                                                 { return nil }

type fakeDialer struct{}

func (fakeDialer) Dial(context.Context, *transport.Endpoint) (transport.Conn, error) {
	return fakeConn{}, nil
}

// Meta-arguments that validation accepts because they convert to the
// right type ("false" for a bool, 0 for a string) must work when the task
// runs too, not panic or be read as something else.
func TestRunConvertsMetaArguments(t *testing.T) {
	dir := t.TempDir()
	src := `
runbook {
  any_errors_fatal    = "false"
  max_fail_percentage = "50"
}

task "a" {
  become      = "false"
  become_user = 0
  delegate_to = "localhost"
  retries     = "2"
  timeout     = 30
  run_once    = "true"
  noop {
    message = "hello"
  }
}

task "b" {
  when = "true"
  noop {
    message = task.a.outputs.message
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, diags := Load(LoadOptions{Dir: dir, Registry: stubRegistry()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, diags := loaded.Prepare(Options{Check: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var mu sync.Mutex
	statuses := map[string]event.Status{}
	sink := event.SinkFunc(func(e event.Event) {
		if f, ok := e.(event.TaskFinished); ok {
			mu.Lock()
			statuses[f.Task] = f.Status
			mu.Unlock()
			if f.Status == event.StatusFailed {
				t.Errorf("%s failed: %s", f.Task, f.Reason)
			}
		}
	})
	res := p.Run(context.Background(), RunOptions{Sink: sink, Dialers: map[string]transport.Dialer{"local": fakeDialer{}, "ssh": fakeDialer{}}})
	if res.Failures != 0 {
		t.Errorf("%d failures", res.Failures)
	}
	if statuses["task.a"] != event.StatusOK || statuses["task.b"] != event.StatusOK {
		t.Errorf("statuses %v, want both ok", statuses)
	}
}
