package script

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

var selfRe = regexp.MustCompile(`(?m)^self=(.*)$`)

// uploadedCopy returns the path the script ran from (it prints it) and
// checks that it is gone.
func uploadedCopyGone(t *testing.T, stdout string) {
	t.Helper()
	m := selfRe.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("the script did not print its path: %q", stdout)
	}
	if !strings.Contains(m[1], "runbook-script.") {
		t.Errorf("ran from %s, not from a fresh directory", m[1])
	}
	if _, err := os.Stat(filepath.Dir(m[1])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the uploaded copy's directory %s is still there (%v)", filepath.Dir(m[1]), err)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/hello.sh"
args = ["a b", "; rm -rf /", "$(touch `+dir+`/pwned)", ""]
env = { RB_X = "x y" }
chdir = "`+dir+`"`), local.New("h1"), "")
	p, a := moduletest.Run(t, m, req)
	if p.Err != nil || p.Action != module.Unpredictable || p.Reason != `would run: script hello.sh 'a b' '; rm -rf /' '$(touch `+dir+`/pwned)' ''` {
		t.Fatalf("plan %v %q %v", p.Action, p.Reason, p.Err)
	}
	if a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("apply %+v", a)
	}
	out := a.Outputs.GetAttr("stdout").AsString()
	want := "arg=[a b]\narg=[; rm -rf /]\narg=[$(touch " + dir + "/pwned)]\narg=[]\nenv=x y pwd=" + dir
	if !strings.HasSuffix(out, want) {
		t.Errorf("stdout:\n%s\nwant it to end with:\n%s", out, want)
	}
	if a.Outputs.GetAttr("stderr").AsString() != "to stderr" {
		t.Errorf("stderr %q", a.Outputs.GetAttr("stderr").AsString())
	}
	if _, err := os.Stat(dir + "/pwned"); err == nil {
		t.Error("an argument was run by a shell")
	}
	uploadedCopyGone(t, out)
}

func TestExecutableAndStdin(t *testing.T) {
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/noshebang.sh"
executable = "sh"
stdin = "hello\n"`), local.New("h1"), "")
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	out := a.Outputs.GetAttr("stdout").AsString()
	if !strings.HasSuffix(out, "got hello") {
		t.Errorf("stdout %q", out)
	}
	uploadedCopyGone(t, out)
}

func TestFailure(t *testing.T) {
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/fail.sh"
executable = "/bin/sh"`), local.New("h1"), "")
	_, a := moduletest.Run(t, m, req)
	var ce *module.CommandError
	if a == nil || !errors.As(a.Err, &ce) || ce.RC != 4 || !strings.Contains(a.Err.Error(), "broken: cannot reach 10.0.0.5") {
		t.Fatalf("apply %+v", a)
	}
	if rc, _ := a.Outputs.GetAttr("rc").AsBigFloat().Int64(); rc != 4 {
		t.Errorf("rc %d", rc)
	}
	uploadedCopyGone(t, a.Outputs.GetAttr("stdout").AsString())
}

func TestGuards(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/done", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/hello.sh"
creates = "`+dir+`/done"`), local.New("h1"), "")
	p, a := moduletest.Run(t, m, req)
	if p.Action != module.NoOp || a != nil || !strings.Contains(p.Reason, dir+"/done exists") {
		t.Errorf("plan %v %q", p.Action, p.Reason)
	}
	req = moduletest.Request(moduletest.Args(t, m, `src = "testdata/hello.sh"
creates = "`+dir+`/not-yet"`), local.New("h1"), "")
	if p := moduletest.Plan(t, m, req); p.Action != module.Change || p.Reason != "would run: script hello.sh" {
		t.Errorf("plan %v %q", p.Action, p.Reason)
	}
}

// failingUpload is a Conn whose uploads fail; the directory made for the
// script must still be removed.
type failingUpload struct {
	transport.Conn
	made string
}

// Exec runs the command that stages the script for real (the directory
// is made), then says writing the script failed, as a full disk does.
func (f *failingUpload) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	res, err := f.Conn.Exec(ctx, cmd)
	if err == nil && len(cmd.Argv) > 2 && cmd.Argv[2] == stageScript {
		f.made = strings.SplitN(string(res.Stdout), "\n", 2)[0]
		res.RC, res.Stderr = 1, []byte("cat: write error: No space left on device\n")
	}
	return res, err
}

func TestErrors(t *testing.T) {
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/nope.sh"`), local.New("h1"), "")
	if p := moduletest.Plan(t, m, req); p.Err == nil || !strings.Contains(p.Err.Error(), "src: stat testdata/nope.sh: no such file") {
		t.Errorf("plan err %v", p.Err)
	}
	if a := m.Apply(context.Background(), &module.ApplyRequest{Request: req}); a.Err == nil {
		t.Error("apply of a missing script did not fail")
	}
	fu := &failingUpload{Conn: local.New("h1")}
	req = moduletest.Request(moduletest.Args(t, m, `src = "testdata/hello.sh"`), fu, "")
	a := m.Apply(context.Background(), &module.ApplyRequest{Request: req})
	if a.Err == nil || !strings.Contains(a.Err.Error(), "putting the script testdata/hello.sh on the host") || !strings.Contains(a.Err.Error(), "No space left") {
		t.Errorf("apply err %v", a.Err)
	}
	if fu.made == "" {
		t.Fatal("no directory was made")
	}
	if _, err := os.Stat(fu.made); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind", fu.made)
	}
}

func TestSchemaDoc(t *testing.T) {
	fdtest.CheckExample(t, New(), Name)
}
