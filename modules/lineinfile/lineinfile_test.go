package lineinfile

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
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

const hosts = "127.0.0.1 localhost\n10.0.0.5 controller\n\n# IPv6\n::1 localhost ip6-localhost\n"

func TestPlanApply(t *testing.T) {
	tests := []struct {
		name    string
		initial *string // nil: no file
		args    string
		want    string // content after; for a no-op, the initial content
		noop    bool
	}{
		{name: "append at the end", initial: ptr(hosts), args: `line = "10.0.0.9 db"`, want: hosts + "10.0.0.9 db\n"},
		{name: "already there", initial: ptr(hosts), args: `line = "10.0.0.5 controller"`, want: hosts, noop: true},
		{name: "regexp replaces the line", initial: ptr(hosts), args: `regexp = "\\scontroller$"` + "\nline = \"10.0.0.6 controller\"",
			want: strings.Replace(hosts, "10.0.0.5 controller", "10.0.0.6 controller", 1)},
		{name: "regexp replaces the last match", initial: ptr("A=1\nB=2\nA=3\n"), args: `regexp = "^A="` + "\nline = \"A=9\"", want: "A=1\nB=2\nA=9\n"},
		{name: "regexp unmatched but line present", initial: ptr("DEBUG=false\n"), args: `regexp = "^DEBUG=true"` + "\nline = \"DEBUG=false\"", want: "DEBUG=false\n", noop: true},
		{name: "insertafter", initial: ptr(hosts), args: `line = "10.0.0.9 db"` + "\ninsertafter = \"^127\\\\.0\\\\.0\\\\.1\"",
			want: "127.0.0.1 localhost\n10.0.0.9 db\n10.0.0.5 controller\n\n# IPv6\n::1 localhost ip6-localhost\n"},
		{name: "insertbefore", initial: ptr(hosts), args: `line = "# local"` + "\ninsertbefore = \"^127\"",
			want: "# local\n" + hosts},
		{name: "insertbefore BOF", initial: ptr(hosts), args: `line = "# managed"` + "\ninsertbefore = \"BOF\"", want: "# managed\n" + hosts},
		{name: "insertafter unmatched goes to the end", initial: ptr("a\n"), args: `line = "b"` + "\ninsertafter = \"^zzz\"", want: "a\nb\n"},
		{name: "no final newline", initial: ptr("a\nb"), args: `line = "c"`, want: "a\nb\nc\n"},
		{name: "crlf kept", initial: ptr("a\r\nb\r\n"), args: `regexp = "^b"` + "\nline = \"B\"", want: "a\r\nB\r\n"},
		{name: "crlf new line", initial: ptr("a\r\n"), args: `line = "b"`, want: "a\r\nb\r\n"},
		{name: "absent by regexp", initial: ptr("A=1\nB=2\nA=3\n"), args: `regexp = "^A="` + "\nstate = \"absent\"", want: "B=2\n"},
		{name: "absent by line", initial: ptr(hosts), args: `line = "10.0.0.5 controller"` + "\nstate = \"absent\"",
			want: strings.Replace(hosts, "10.0.0.5 controller\n", "", 1)},
		{name: "absent nothing to remove", initial: ptr(hosts), args: `regexp = "^nomatch"` + "\nstate = \"absent\"", want: hosts, noop: true},
		{name: "absent missing file", args: `regexp = "^x"` + "\nstate = \"absent\"", noop: true},
		{name: "create", args: `line = "stack ALL=(root) NOPASSWD:ALL"` + "\ncreate = true\nmode = \"0440\"", want: "stack ALL=(root) NOPASSWD:ALL\n"},
		{name: "empty file", initial: ptr(""), args: `line = "x"`, want: "x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if tt.initial != nil {
				if err := os.WriteFile(path, []byte(*tt.initial), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, `path = "`+path+"\"\n"+tt.args), local.New("h1"), "")
			before := fdtest.Snapshot(t, dir)
			p := moduletest.Plan(t, m, req)
			if p.Err != nil {
				t.Fatalf("plan: %v", p.Err)
			}
			if fdtest.Snapshot(t, dir) != before {
				t.Fatal("the plan changed the directory")
			}
			if (p.Action == module.NoOp) != tt.noop {
				t.Fatalf("plan = %v %q, want noop %v", p.Action, p.Reason, tt.noop)
			}
			_, a := moduletest.Run(t, m, req)
			if !tt.noop && (a == nil || a.Err != nil || !a.Changed) {
				t.Fatalf("apply %+v", a)
			}
			if tt.initial == nil && tt.noop {
				if _, err := os.Stat(path); err == nil {
					t.Error("a file was created")
				}
			} else if got, _ := os.ReadFile(path); string(got) != tt.want {
				t.Errorf("file:\n%q\nwant:\n%q", got, tt.want)
			}
			if fi, err := os.Stat(path); err == nil && tt.initial != nil && fi.Mode().Perm() != 0o640 {
				t.Errorf("mode %v, want 0640 kept", fi.Mode())
			}
			if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
				t.Errorf("second plan %v %q %v", again.Action, again.Reason, again.Err)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `path = "`+path+`"
regexp = "controller$"
line = "10.0.0.6 controller"`), local.New("h1"), "")
	p := moduletest.Plan(t, m, req)
	want := "~ content:\n--- " + path + " (before)\n+++ " + path + " (after)\n@@ -1,5 +1,5 @@\n 127.0.0.1 localhost\n-10.0.0.5 controller\n+10.0.0.6 controller\n \n # IPv6\n ::1 localhost ip6-localhost\n"
	if got := fdtest.Render(p.Diff); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if p.Reason != "would put the line in "+path {
		t.Errorf("reason %q", p.Reason)
	}
	req.Sensitive = []cty.Path{cty.GetAttrPath("line")}
	if got := fdtest.Render(moduletest.Plan(t, m, req).Diff); got != "~ content: (sensitive)\n" {
		t.Errorf("sensitive diff %q", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, args, want string }{
		{"missing file", `line = "x"`, "%D/f does not exist (set create = true"},
		{"no line", `regexp = "x"`, `line is required here (when state is not given or "present")`},
		{"absent without line or regexp", `state = "absent"`, `Give at least one of regexp or line (when state is "absent")`},
		{"bad state", `line = "x"` + "\nstate = \"gone\"", `state must be "present" or "absent"`},
		{"both inserts", `line = "x"` + "\ninsertafter = \"a\"\ninsertbefore = \"b\"", "Give only one of insertafter or insertbefore"},
		{"multi-line", `line = "a\nb"`, "line must be one line"},
		{"create without directory", `line = "x"` + "\ncreate = true\npath = \"%D/no/f\"", "directory %D/no does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			src := tt.args
			if !strings.Contains(src, "path =") {
				src = `path = "%D/f"` + "\n" + src
			}
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(src)), local.New("h1"), "")
			p, a := moduletest.Run(t, m, req)
			if p.Err == nil || !strings.Contains(p.Err.Error(), sub(tt.want)) {
				t.Errorf("plan err = %v, want %q", p.Err, sub(tt.want))
			}
			if a != nil {
				t.Error("applied")
			}
			if len(moduletest.Check(m, req.Args)) > 0 {
				return // the rules stop it before Plan and Apply
			}
			if ar := m.Apply(context.Background(), &module.ApplyRequest{Request: req}); ar.Err == nil {
				t.Error("apply alone did not fail")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the directory changed: %v", entries)
			}
		})
	}
	m := New()
	if errs := moduletest.Check(m, moduletest.Args(t, m, `path = "/x"`+"\nline = \"x\"\nregexp = \"(\"")); len(errs) == 0 || errs[0].Summary != "Invalid value for regexp" {
		t.Errorf("bad regexp: %v", errs)
	}
}

func TestSchemaDoc(t *testing.T) {
	fdtest.CheckExample(t, New(), Name)
}

// TestValidateSudoers: a sudoers line goes in only when visudo accepts the
// whole new file; a broken line leaves the old file as it was.
func TestValidateSudoers(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/visudo"); err != nil {
		t.Skip("visudo is not installed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "50_stack")
	old := "Defaults:stack !requiretty\n"
	if err := os.WriteFile(path, []byte(old), 0o440); err != nil {
		t.Fatal(err)
	}
	m := New()
	bad := moduletest.Request(moduletest.Args(t, m, `path = "`+path+`"
line = "stack ALL=(root NOPASSWD:ALL"
validate = ["/usr/sbin/visudo", "-cf", "%s"]`), local.New("h1"), "")
	_, a := moduletest.Run(t, m, bad)
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "failed validation (/usr/sbin/visudo -cf NEW-FILE); the old file was kept") {
		t.Fatalf("broken line: %+v", a)
	}
	if b, _ := os.ReadFile(path); string(b) != old {
		t.Errorf("the file changed to %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	good := moduletest.Request(moduletest.Args(t, m, `path = "`+path+`"
line = "stack ALL=(root) NOPASSWD:ALL"
validate = ["/usr/sbin/visudo", "-cf", "%s"]`), local.New("h1"), "")
	if _, a := moduletest.Run(t, m, good); a == nil || a.Err != nil {
		t.Fatalf("good line: %+v", a)
	}
	if b, _ := os.ReadFile(path); string(b) != old+"stack ALL=(root) NOPASSWD:ALL\n" {
		t.Errorf("file %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o440 {
		t.Errorf("mode %v", fi.Mode())
	}
}
