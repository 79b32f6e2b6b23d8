package template

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

const guestVars = `vars = {
  transport_url = "rabbit://u:p@10.0.0.5:5672/"
  swift_url     = "http://10.0.0.5:8080/v1/AUTH_"
  debug         = false
  datastores    = ["mysql", "mariadb"]
}`

// TestRenderFile renders a realistic template from src (loops, functions,
// a conditional, an escaped ${, file() relative to the template) and
// compares with the expected file.
func TestRenderFile(t *testing.T) {
	want, err := os.ReadFile("testdata/trove-guestagent.conf.want")
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{
		`src = "testdata/trove-guestagent.conf.tpl"`,
		`src = "` + abs(t, "testdata/trove-guestagent.conf.tpl") + `"`,
	} {
		dir := t.TempDir()
		dest := filepath.Join(dir, "guest.conf")
		m := New()
		req := moduletest.Request(moduletest.Args(t, m, arg+"\ndest = \""+dest+"\"\n"+guestVars), local.New("h1"), "")
		p := moduletest.Plan(t, m, req)
		if p.Err != nil || p.Action != module.Change {
			t.Fatalf("plan %v %q %v", p.Action, p.Reason, p.Err)
		}
		if _, err := os.Stat(dest); err == nil {
			t.Fatal("the plan wrote the file")
		}
		_, a := moduletest.Run(t, m, req)
		if a == nil || a.Err != nil {
			t.Fatalf("apply %+v", a)
		}
		got, _ := os.ReadFile(dest)
		if string(got) != string(want) {
			t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
		}
		if a.Outputs.GetAttr("checksum").AsString() != filediff.Checksum(want) {
			t.Error("checksum output is not the sha256 of the rendered text")
		}
		if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
			t.Errorf("second plan %v %q", again.Action, again.Reason)
		}
	}
}

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestInlineTemplateDiff: template text (as file() gives it), a changed
// variable shows as a unified diff of the rendered file.
func TestInlineTemplateDiff(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "app.conf")
	if err := os.WriteFile(dest, []byte("port = 8779\nworkers = 2\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	m := New()
	src := `template = "port = $${port}\nworkers = $${workers}\n"
dest = "` + dest + `"
vars = { port = 8779, workers = 4 }`
	req := moduletest.Request(moduletest.Args(t, m, src), local.New("h1"), "")
	p := moduletest.Plan(t, m, req)
	if p.Err != nil || p.Diff == nil || len(p.Diff.Items) != 1 {
		t.Fatalf("plan %+v", p)
	}
	want := "--- " + dest + " (before)\n+++ " + dest + " (after)\n@@ -1,2 +1,2 @@\n port = 8779\n-workers = 2\n+workers = 4\n"
	if got := p.Diff.Items[0].Unified; got != want {
		t.Errorf("unified:\n%s\nwant:\n%s", got, want)
	}
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode())
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
		t.Errorf("second plan %v", again.Action)
	}
}

func TestSensitiveVars(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "db.conf")
	if err := os.WriteFile(dest, []byte("password = old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `template = "password = $${pw}\n"
dest = "`+dest+`"
vars = { pw = "hunter2" }`), local.New("h1"), "")
	req.Sensitive = []cty.Path{cty.GetAttrPath("vars").GetAttr("pw")}
	p := moduletest.Plan(t, m, req)
	if p.Err != nil || len(p.Diff.Items) != 1 || !p.Diff.Items[0].Sensitive || p.Diff.Items[0].Unified != "" {
		t.Fatalf("plan %+v %+v", p, p.Diff)
	}
	// A failing render does not quote the sensitive template either.
	req = moduletest.Request(moduletest.Args(t, m, `template = "password = $${nope} hunter2"
dest = "`+dest+`"
vars = { pw = "hunter2" }`), local.New("h1"), "")
	req.Sensitive = []cty.Path{cty.GetAttrPath("template")}
	if p := moduletest.Plan(t, m, req); p.Err == nil || strings.Contains(p.Err.Error(), "hunter2") {
		t.Errorf("err = %v", p.Err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"both", `src = "x"` + "\ntemplate = \"y\"", "Give only one of src or template"},
		{"neither", ``, "Give exactly one of src or template"},
		{"missing src", `src = "testdata/nope.tpl"`, "src: stat testdata/nope.tpl: no such file"},
		{"syntax error", `src = "testdata/broken.tpl"`, "testdata/broken.tpl line 1: Unclosed template interpolation sequence"},
		{"unknown variable", `src = "testdata/unknown.tpl"` + "\nvars = { a = 1 }", `testdata/unknown.tpl line 2: Undefined name in the template: "missing_var" is not one of the vars given to the template (there are a)`},
		{"not text", `template = "$${x}"` + "\nvars = { x = [1] }", "the result is tuple, not text"},
		{"vars not an object", `template = "x"` + "\nvars = [1]", "vars must be an object"},
		{"bad var name", `template = "x"` + "\nvars = { \"a-b c\" = 1 }", `"a-b c" is not a name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, tt.src+"\ndest = \""+dir+"/out\""), local.New("h1"), "")
			p, a := moduletest.Run(t, m, req)
			if p.Err == nil || !strings.Contains(p.Err.Error(), tt.want) {
				t.Errorf("plan err = %v, want %q", p.Err, tt.want)
			}
			if a != nil {
				t.Error("applied")
			}
			if ar := m.Apply(context.Background(), &module.ApplyRequest{Request: req}); ar.Err == nil {
				t.Error("apply alone did not fail")
			}
			if _, err := os.Stat(dir + "/out"); err == nil {
				t.Error("a file was written")
			}
		})
	}
}

func TestSchemaDoc(t *testing.T) {
	fdtest.CheckExample(t, New(), Name)
}
