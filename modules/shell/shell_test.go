package shell

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/command"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		wantSummary string
		wantDetail  string
		wantLine    int
	}{
		{name: "argv is the command module's", src: "cmd = \"true\"\nargv = [\"x\"]", wantSummary: "Unsupported argument", wantDetail: `"argv"`, wantLine: 2},
		{name: "missing cmd", src: `chdir = "/tmp"`, wantSummary: "Missing required argument", wantDetail: `"cmd"`},
		{name: "cmd not a string", src: `cmd = ["ls", "-l"]`, wantSummary: "Incorrect attribute value type", wantLine: 1},
		{name: "empty cmd", src: `cmd = "  "`, wantSummary: "Invalid value for cmd", wantDetail: "non-empty", wantLine: 1},
		{name: "empty executable", src: "cmd = \"true\"\nexecutable = \"\"", wantSummary: "Invalid value for executable", wantDetail: "non-empty", wantLine: 2},
		{name: "stdin not a string", src: "cmd = \"cat\"\nstdin = { a = 1 }", wantSummary: "Incorrect attribute value type", wantLine: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := moduletest.Decode(New(), tt.src)
			if !diags.HasErrors() {
				t.Fatalf("no error decoding %q", tt.src)
			}
			d := diags[0]
			if d.Summary != tt.wantSummary || !strings.Contains(d.Detail, tt.wantDetail) {
				t.Errorf("diagnostic = %q / %q, want %q / %q", d.Summary, d.Detail, tt.wantSummary, tt.wantDetail)
			}
			if tt.wantLine > 0 && (d.Subject == nil || d.Subject.Start.Line != tt.wantLine) {
				t.Errorf("subject = %v, want line %d", d.Subject, tt.wantLine)
			}
		})
	}
}

func TestPlanApply(t *testing.T) {
	tests := []struct {
		name        string
		src         string // %D is the temp dir
		setup       string // a file to create first
		wantAction  module.Action
		wantReason  string
		wantStdout  string
		wantRC      int
		wantErr     string
		wantAbsent  string
		wantPresent string
		wantAfter   module.Action
	}{
		{
			name:       "pipeline and redirection",
			src:        `cmd = "printf 'b\\na\\n' | sort > %D/sorted; cat %D/sorted"`,
			wantAction: module.Unpredictable, wantReason: "would run: printf 'b\\na\\n' | sort", wantStdout: "a\nb",
			wantPresent: "sorted", wantAfter: module.Unpredictable,
		},
		{
			name:       "data through env stays data",
			src:        `cmd = "printf '%s' \"$X\""` + "\nenv = { X = \"; touch %D/pwned\" }",
			wantAction: module.Unpredictable, wantStdout: "; touch %D/pwned", wantAbsent: "pwned", wantAfter: module.Unpredictable,
		},
		{
			name:       "executable",
			src:        `cmd = "set -o pipefail; false | true"` + "\nexecutable = \"/bin/bash\"",
			wantAction: module.Unpredictable, wantRC: 1, wantErr: "exit status 1", wantAfter: module.Unpredictable,
		},
		{
			name:       "multi-line script shows its first line",
			src:        "cmd = <<-EOT\n  echo one\n  echo two\n  EOT\n",
			wantAction: module.Unpredictable, wantReason: "would run: echo one ...", wantStdout: "one\ntwo", wantAfter: module.Unpredictable,
		},
		{
			name:       "creates present",
			src:        `cmd = "touch %D/ran"` + "\ncreates = \"%D/out\"",
			setup:      "out",
			wantAction: module.NoOp, wantReason: "%D/out exists", wantAbsent: "ran", wantAfter: module.NoOp,
		},
		{
			name:       "creates absent",
			src:        `cmd = "touch out"` + "\nchdir = \"%D\"\ncreates = \"out\"",
			wantAction: module.Change, wantReason: "would run: touch out", wantPresent: "out", wantAfter: module.NoOp,
		},
		{
			name:       "removes present",
			src:        `cmd = "rm -f %D/old"` + "\nremoves = \"%D/old\"",
			setup:      "old",
			wantAction: module.Change, wantAbsent: "old", wantAfter: module.NoOp,
		},
		{
			name:       "removes absent",
			src:        `cmd = "touch %D/ran"` + "\nremoves = \"%D/old\"",
			wantAction: module.NoOp, wantReason: "%D/old does not exist", wantAbsent: "ran", wantAfter: module.NoOp,
		},
		{
			name:       "stdin",
			src:        `cmd = "tr a-z A-Z"` + "\nstdin = \"hello\"",
			wantAction: module.Unpredictable, wantStdout: "HELLO", wantAfter: module.Unpredictable,
		},
		{
			name:       "failing script",
			src:        `cmd = "echo 'no such table' >&2; exit 4"`,
			wantAction: module.Unpredictable, wantRC: 4, wantErr: "exit status 4: no such table", wantAfter: module.Unpredictable,
		},
		{
			name:       "missing executable",
			src:        `cmd = "true"` + "\nexecutable = \"/nonexistent/zsh\"",
			wantAction: module.Unpredictable, wantErr: "/nonexistent/zsh", wantAfter: module.Unpredictable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			if tt.setup != "" {
				if err := os.WriteFile(filepath.Join(dir, tt.setup), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(tt.src)), local.New("h1"), "")
			p, a := moduletest.Run(t, m, req)
			if p.Err != nil {
				t.Fatalf("plan: %v", p.Err)
			}
			if p.Action != tt.wantAction || !strings.Contains(p.Reason, sub(tt.wantReason)) {
				t.Errorf("plan = %v %q, want %v %q", p.Action, p.Reason, tt.wantAction, sub(tt.wantReason))
			}
			if p.Action == module.NoOp {
				if a != nil {
					t.Fatal("applied after NoOp")
				}
				if got := p.Outputs.GetAttr("rc"); !got.RawEquals(cty.NumberIntVal(0)) {
					t.Errorf("NoOp rc = %#v", got)
				}
			} else {
				if a == nil {
					t.Fatal("not applied")
				}
				ran := tt.wantErr == "" || tt.wantRC != 0
				if a.Changed != ran {
					t.Errorf("Changed = %v, want %v", a.Changed, ran)
				}
				var ce *module.CommandError
				switch {
				case tt.wantErr == "" && a.Err != nil:
					t.Errorf("apply error: %v", a.Err)
				case tt.wantErr != "" && (a.Err == nil || !strings.Contains(a.Err.Error(), tt.wantErr)):
					t.Errorf("apply error = %v, want %q", a.Err, tt.wantErr)
				case tt.wantRC != 0 && (!errors.As(a.Err, &ce) || ce.RC != tt.wantRC):
					t.Errorf("apply error = %#v, want a CommandError with RC %d", a.Err, tt.wantRC)
				}
				if ran {
					if got := a.Outputs.GetAttr("stdout").AsString(); got != sub(tt.wantStdout) {
						t.Errorf("stdout = %q, want %q", got, sub(tt.wantStdout))
					}
					if got, _ := a.Outputs.GetAttr("rc").AsBigFloat().Int64(); got != int64(tt.wantRC) {
						t.Errorf("rc = %d, want %d", got, tt.wantRC)
					}
				}
			}
			if tt.wantAbsent != "" {
				if _, err := os.Lstat(filepath.Join(dir, tt.wantAbsent)); err == nil {
					t.Errorf("%s exists", tt.wantAbsent)
				}
			}
			if tt.wantPresent != "" {
				if _, err := os.Lstat(filepath.Join(dir, tt.wantPresent)); err != nil {
					t.Errorf("%s: %v", tt.wantPresent, err)
				}
			}
			if again := moduletest.Plan(t, m, req); again.Action != tt.wantAfter {
				t.Errorf("second plan = %v, want %v", again.Action, tt.wantAfter)
			}
		})
	}
}

// TestCancel checks that cancelling stops the shell and its background child.
func TestCancel(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	m := New()
	args := moduletest.Args(t, m, `cmd = "sleep 100 & echo $! > `+pidFile+`; wait"`)
	req := moduletest.Request(args, local.New("h1", local.WithKillGrace(200*time.Millisecond)), "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	a := m.Apply(ctx, &module.ApplyRequest{Request: req, Planned: moduletest.Plan(t, m, req)})
	if !errors.Is(a.Err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", a.Err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !strings.Contains(string(stat), ") Z ") {
		t.Errorf("background sleep %d survived the cancel", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func TestSensitiveCmd(t *testing.T) {
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `cmd = "echo denied >&2; exit 1 # s3cret"`), local.New("h1"), "")
	req.Sensitive = []cty.Path{cty.GetAttrPath("cmd")}
	p, a := moduletest.Run(t, m, req)
	if p.Reason != "would run: (sensitive)" {
		t.Errorf("reason = %q", p.Reason)
	}
	var ce *module.CommandError
	if a == nil || !errors.As(a.Err, &ce) {
		t.Fatalf("apply = %+v, want a CommandError", a)
	}
	if strings.Contains(strings.Join(ce.Argv, " "), "s3cret") {
		t.Errorf("CommandError.Argv shows the script: %q", ce.Argv)
	}
}

func TestDefaultExecutable(t *testing.T) {
	m := New()
	r := m.run(&module.Request{Args: moduletest.Args(t, m, `cmd = "echo $0"`)})
	if got := strings.Join(r.Argv, "|"); got != "/bin/sh|-c|echo $0" {
		t.Errorf("argv = %q", got)
	}
}

func TestSchemaDoc(t *testing.T) {
	s := New().Schema()
	if s.Summary == "" || !strings.HasPrefix(s.Doc, "# shell\n") || !s.Outputs.Equals(command.Outputs) {
		t.Errorf("schema summary/doc/outputs incomplete")
	}
	f, diags := hclsyntax.ParseConfig([]byte(s.Example), "example.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("example: %s", diags.Error())
	}
	found := 0
	for _, task := range f.Body.(*hclsyntax.Body).Blocks {
		for _, b := range task.Body.Blocks {
			if b.Type == Name {
				found++
				if _, diags := b.Body.Content(hcldec.ImpliedSchema(s.Args)); diags.HasErrors() {
					t.Errorf("example block at %s: %s", b.DefRange(), diags.Error())
				}
			}
		}
	}
	if found == 0 {
		t.Error("example has no shell block")
	}
}
