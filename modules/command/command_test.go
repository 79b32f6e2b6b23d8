package command

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		wantSummary string
		wantDetail  string
		wantLine    int
	}{
		{name: "unknown argument", src: "argv = [\"true\"]\ncommand = \"x\"", wantSummary: "Unsupported argument", wantDetail: `"command"`, wantLine: 2},
		{name: "missing argv", src: `chdir = "/tmp"`, wantSummary: "Missing required argument", wantDetail: `"argv"`},
		{name: "argv not a list", src: `argv = { a = 1 }`, wantSummary: "Incorrect attribute value type", wantLine: 1},
		{name: "env not a map", src: "argv = [\"true\"]\nenv = [\"A=B\"]", wantSummary: "Incorrect attribute value type", wantLine: 2},
		{name: "chdir not a string", src: "argv = [\"true\"]\nchdir = [\"/\"]", wantSummary: "Incorrect attribute value type", wantLine: 2},
		{name: "empty argv", src: `argv = []`, wantSummary: "Empty argv", wantLine: 1},
		{name: "null element", src: `argv = ["echo", null]`, wantSummary: "Null argv element", wantDetail: "argv[1]"},
		{name: "empty program", src: `argv = ["", "x"]`, wantSummary: "Empty program name"},
		{name: "bad env name", src: "argv = [\"true\"]\nenv = { \"A=B\" = \"x\" }", wantSummary: "Invalid environment variable name", wantDetail: `"A=B"`, wantLine: 2},
		{name: "null env value", src: "argv = [\"true\"]\nenv = { A = null }", wantSummary: "Invalid environment variable value", wantDetail: "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := moduletest.Decode(New(), tt.src)
			if !diags.HasErrors() {
				t.Fatalf("no error decoding %q", tt.src)
			}
			d := diags[0]
			if d.Summary != tt.wantSummary {
				t.Errorf("summary = %q, want %q (all: %s)", d.Summary, tt.wantSummary, diags.Error())
			}
			if !strings.Contains(d.Detail, tt.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail, tt.wantDetail)
			}
			if tt.wantLine > 0 && (d.Subject == nil || d.Subject.Start.Line != tt.wantLine) {
				t.Errorf("subject = %v, want line %d", d.Subject, tt.wantLine)
			}
		})
	}
}

func TestDecodeOK(t *testing.T) {
	v := moduletest.Args(t, New(), `
argv    = ["a", "b c"]
chdir   = "/tmp"
env     = { A = "1", B = "" }
stdin   = "in"
creates = "x"
removes = "y"
`)
	r := New().run(&module.Request{Args: v})
	if got := strings.Join(r.Argv, "|"); got != "a|b c" {
		t.Errorf("argv = %q", got)
	}
	if r.Chdir != "/tmp" || r.Creates != "x" || r.Removes != "y" || r.Stdin == nil || *r.Stdin != "in" {
		t.Errorf("run = %+v", r)
	}
	if len(r.Env) != 2 || r.Env["A"] != "1" || r.Env["B"] != "" {
		t.Errorf("env = %v", r.Env)
	}
	if r.Show != "a 'b c'" {
		t.Errorf("Show = %q", r.Show)
	}
}

// TestPlanApply runs the module the way the engine does (plan, then apply
// unless NoOp) on the local transport, then plans again to check the first
// plan told the truth.
func TestPlanApply(t *testing.T) {
	tests := []struct {
		name  string
		src   string // %D is replaced by the test's temp dir
		setup func(t *testing.T, dir string)

		wantAction  module.Action
		wantReason  string // substring
		wantApplied bool
		wantStdout  string
		wantStderr  string
		wantRC      int
		wantErr     string // substring of the apply or plan error
		wantAfter   module.Action
		check       func(t *testing.T, dir string)
	}{
		{
			name:       "creates present: nothing to do",
			src:        `argv = ["touch", "%D/ran"]` + "\ncreates = \"%D/out\"",
			setup:      touch("out"),
			wantAction: module.NoOp, wantReason: "%D/out exists", wantAfter: module.NoOp,
			check: absent("ran"),
		},
		{
			name:       "creates absent: runs and then holds",
			src:        `argv = ["touch", "%D/out"]` + "\ncreates = \"%D/out\"",
			wantAction: module.Change, wantReason: "would run: touch %D/out", wantApplied: true, wantAfter: module.NoOp,
			check: present("out"),
		},
		{
			name:       "removes absent: nothing to do",
			src:        `argv = ["touch", "%D/ran"]` + "\nremoves = \"%D/old\"",
			wantAction: module.NoOp, wantReason: "%D/old does not exist", wantAfter: module.NoOp,
			check: absent("ran"),
		},
		{
			name:       "removes present: runs and then holds",
			src:        `argv = ["rm", "%D/old"]` + "\nremoves = \"%D/old\"",
			setup:      touch("old"),
			wantAction: module.Change, wantReason: "would run: rm %D/old", wantApplied: true, wantAfter: module.NoOp,
			check: absent("old"),
		},
		{
			name:       "relative creates is relative to chdir",
			src:        `argv = ["touch", "made"]` + "\nchdir = \"%D\"\ncreates = \"made\"",
			wantAction: module.Change, wantApplied: true, wantAfter: module.NoOp,
			check: present("made"),
		},
		{
			name:       "dangling symlink does not exist for creates",
			src:        `argv = ["true"]` + "\ncreates = \"%D/link\"",
			setup:      symlink("nowhere", "link"),
			wantAction: module.Change, wantApplied: true, wantAfter: module.Change,
		},
		{
			name:       "creates path with shell characters is one path",
			src:        `argv = ["true"]` + "\ncreates = \"%D/a b; rm -rf $(x)\"",
			setup:      touch("a b; rm -rf $(x)"),
			wantAction: module.NoOp, wantReason: "exists", wantAfter: module.NoOp,
		},
		{
			name:       "no guard is unpredictable and runs",
			src:        `argv = ["sh", "-c", "echo hi; echo warn >&2"]`,
			wantAction: module.Unpredictable, wantReason: "would run: sh -c 'echo hi; echo warn >&2'", wantApplied: true,
			wantStdout: "hi", wantStderr: "warn", wantAfter: module.Unpredictable,
		},
		{
			name:       "argv is never a shell",
			src:        `argv = ["printf", "%s|", "; rm -rf /", "$(touch %D/pwned)", "*"]`,
			wantAction: module.Unpredictable, wantApplied: true, wantAfter: module.Unpredictable,
			wantStdout: "; rm -rf /|$(touch %D/pwned)|*|",
			check:      absent("pwned"),
		},
		{
			name:       "env chdir and stdin",
			src:        `argv = ["sh", "-c", "printf '%s %s ' \"$RB_A\" \"$(pwd)\"; cat"]` + "\nenv = { RB_A = \"x y\" }\nchdir = \"%D\"\nstdin = \"from stdin\\n\"",
			wantAction: module.Unpredictable, wantApplied: true, wantAfter: module.Unpredictable,
			wantStdout: "x y %D from stdin",
		},
		{
			name:       "failing command",
			src:        `argv = ["sh", "-c", "echo partial; for i in 1 2 3 4 5 6 7; do echo err$i >&2; done; exit 3"]`,
			wantAction: module.Unpredictable, wantApplied: true, wantAfter: module.Unpredictable,
			wantStdout: "partial", wantStderr: "err1\nerr2\nerr3\nerr4\nerr5\nerr6\nerr7", wantRC: 3,
			wantErr: "exit status 3: err3\nerr4\nerr5\nerr6\nerr7",
		},
		{
			name:       "missing program",
			src:        `argv = ["/nonexistent/rb-prog"]`,
			wantAction: module.Unpredictable, wantApplied: false, wantAfter: module.Unpredictable,
			wantErr: "starting /nonexistent/rb-prog",
		},
		{
			name:       "missing chdir",
			src:        `argv = ["true"]` + "\nchdir = \"%D/nope\"",
			wantAction: module.Unpredictable, wantApplied: false, wantAfter: module.Unpredictable,
			wantErr: "%D/nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			m := New()
			args := moduletest.Args(t, m, sub(tt.src))
			conn := local.New("h1")
			var lines []string
			req := moduletest.Request(args, conn, "")
			req.Output = func(stream, line string) { lines = append(lines, stream+": "+line) }

			p, a := moduletest.Run(t, m, req)
			if p.Err != nil {
				t.Fatalf("plan error: %v", p.Err)
			}
			if p.Action != tt.wantAction {
				t.Errorf("action = %v, want %v", p.Action, tt.wantAction)
			}
			if !strings.Contains(p.Reason, sub(tt.wantReason)) {
				t.Errorf("reason = %q, want it to contain %q", p.Reason, sub(tt.wantReason))
			}
			out := p.Outputs
			if p.Action == module.NoOp {
				if a != nil {
					t.Fatal("Apply was called after a NoOp plan")
				}
			} else {
				if a == nil {
					t.Fatal("Apply was not called")
				}
				if a.Changed != tt.wantApplied {
					t.Errorf("Changed = %v, want %v", a.Changed, tt.wantApplied)
				}
				out = a.Outputs
				checkErr(t, a.Err, sub(tt.wantErr), tt.wantRC)
			}
			if tt.wantErr == "" || tt.wantApplied {
				checkOutputs(t, out, sub(tt.wantStdout), tt.wantStderr, tt.wantRC)
			} else if !out.IsNull() {
				t.Errorf("outputs = %#v, want null when the command could not run", out)
			}
			if tt.wantApplied && tt.wantStdout != "" && !contains(lines, "stdout: "+strings.SplitN(sub(tt.wantStdout), "\n", 2)[0]) {
				t.Errorf("streamed lines %q miss the first stdout line", lines)
			}
			if tt.check != nil {
				tt.check(t, dir)
			}
			again := moduletest.Plan(t, m, req)
			if again.Action != tt.wantAfter || again.Err != nil {
				t.Errorf("second plan = %v (%v), want %v", again.Action, again.Err, tt.wantAfter)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string, rc int) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("apply error: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("apply error = %v, want it to contain %q", err, want)
		return
	}
	var ce *module.CommandError
	if rc != 0 {
		if !errors.As(err, &ce) || ce.RC != rc {
			t.Errorf("error %#v is not a CommandError with RC %d", err, rc)
		}
	} else if errors.As(err, &ce) {
		t.Errorf("error %v should not be a CommandError: the command never ran", err)
	}
}

func checkOutputs(t *testing.T, out cty.Value, stdout, stderr string, rc int) {
	t.Helper()
	if out.IsNull() || !out.Type().Equals(Outputs) {
		t.Fatalf("outputs = %#v, want an object of %#v", out, Outputs)
	}
	if got := out.GetAttr("stdout").AsString(); got != stdout {
		t.Errorf("stdout = %q, want %q", got, stdout)
	}
	if got := out.GetAttr("stderr").AsString(); got != stderr {
		t.Errorf("stderr = %q, want %q", got, stderr)
	}
	if got, _ := out.GetAttr("rc").AsBigFloat().Int64(); got != int64(rc) {
		t.Errorf("rc = %d, want %d", got, rc)
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func touch(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(target, name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func present(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s should exist: %v", name, err)
		}
	}
}

func absent(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s should not exist", name)
		}
	}
}

func TestStreamsOutput(t *testing.T) {
	m := New()
	args := moduletest.Args(t, m, `argv = ["sh", "-c", "echo a; echo b >&2; echo c"]`)
	var (
		mu    sync.Mutex
		lines []string
	)
	req := moduletest.Request(args, local.New("h1"), "")
	req.Output = func(stream, line string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, stream+":"+line)
	}
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil {
		t.Fatalf("apply = %+v", a)
	}
	var stdout []string
	for _, l := range lines {
		if strings.HasPrefix(l, "stdout:") {
			stdout = append(stdout, l)
		}
	}
	if got := strings.Join(stdout, ","); got != "stdout:a,stdout:c" || !contains(lines, "stderr:b") {
		t.Errorf("lines = %q", lines)
	}
}

func TestApplyCancel(t *testing.T) {
	m := New()
	args := moduletest.Args(t, m, `argv = ["sleep", "100"]`)
	req := moduletest.Request(args, local.New("h1", local.WithKillGrace(200*time.Millisecond)), "")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	a := m.Apply(ctx, &module.ApplyRequest{Request: req, Planned: &module.PlanResponse{Action: module.Unpredictable}})
	if !errors.Is(a.Err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", a.Err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestApplyWithoutPlan(t *testing.T) {
	dir := t.TempDir()
	touch("out")(t, dir)
	m := New()
	args := moduletest.Args(t, m, `argv = ["touch", "`+dir+`/ran"]`+"\ncreates = \""+dir+"/out\"")
	a := m.Apply(context.Background(), &module.ApplyRequest{Request: moduletest.Request(args, local.New("h1"), "")})
	if a.Err != nil || a.Changed {
		t.Errorf("apply = %+v, want no change", a)
	}
	absent("ran")(t, dir)
}

func TestSensitiveArgv(t *testing.T) {
	m := New()
	args := moduletest.Args(t, m, `argv = ["sh", "-c", "echo no >&2; exit 1", "s3cret"]`+"\ncreates = \"/nonexistent/x\"")
	req := moduletest.Request(args, local.New("h1"), "")
	req.Sensitive = []cty.Path{cty.GetAttrPath("argv").IndexInt(3)}
	p, a := moduletest.Run(t, m, req)
	if strings.Contains(p.Reason, "s3cret") || p.Reason != "would run: (sensitive)" {
		t.Errorf("reason = %q", p.Reason)
	}
	var ce *module.CommandError
	if a == nil || !errors.As(a.Err, &ce) {
		t.Fatalf("apply = %+v, want a CommandError", a)
	}
	if strings.Contains(strings.Join(ce.Argv, " "), "s3cret") || strings.Contains(ce.Error(), "s3cret") {
		t.Errorf("CommandError shows the secret: %v %q", ce.Argv, ce.Error())
	}
}

func TestShow(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"systemctl", "restart", "devstack@tr-*"}, "systemctl restart 'devstack@tr-*'"},
		{[]string{"echo", "it's"}, `echo 'it'\''s'`},
		{[]string{"echo", ""}, "echo ''"},
		{[]string{"x", strings.Repeat("a", 200)}, "x " + strings.Repeat("a", 115) + "..."},
	}
	for _, tt := range tests {
		if got := ShowArgv(tt.argv); got != tt.want {
			t.Errorf("ShowArgv(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
	if got := ShowScript("set -e\nmake\n"); got != "set -e ..." {
		t.Errorf("ShowScript = %q", got)
	}
	long := make([]string, 20)
	for i := range long {
		long[i] = "arg"
	}
	if got := shortArgv(long, false); len(got) != 9 || got[8] != "... (12 more)" {
		t.Errorf("shortArgv = %q", got)
	}
}

// TestSchemaDoc checks the reference page and that the example's module
// blocks fit the schema.
func TestSchemaDoc(t *testing.T) {
	checkExample(t, New(), Name)
}

// checkExample parses s.Example and checks every block named name inside it
// against the module's argument schema (names, required arguments), without
// evaluating expressions.
func checkExample(t *testing.T, m module.Module, name string) {
	t.Helper()
	s := m.Schema()
	if s.Summary == "" || !strings.HasPrefix(s.Doc, "# "+name+"\n") {
		t.Errorf("schema lacks a summary or a doc starting with # %s", name)
	}
	f, diags := hclsyntax.ParseConfig([]byte(s.Example), "example.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("example: %s", diags.Error())
	}
	found := 0
	for _, task := range f.Body.(*hclsyntax.Body).Blocks {
		for _, b := range task.Body.Blocks {
			if b.Type != name {
				continue
			}
			found++
			if _, diags := b.Body.Content(hcldec.ImpliedSchema(s.Args)); diags.HasErrors() {
				t.Errorf("example block at %s: %s", b.DefRange(), diags.Error())
			}
		}
	}
	if found == 0 {
		t.Errorf("example has no %s block", name)
	}
}
