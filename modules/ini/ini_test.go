package ini

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestEdits plans and applies edits of realistic files and compares, with
// golden files, what the plan said (reason and --diff) and what the file
// became (a unified diff of the file: every line not in it is unchanged).
// Each case also checks that the plan wrote nothing, that apply kept the
// file's mode, and that a second plan is a no-op.
func TestEdits(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		src     string // module body; %F is the file's path
	}{
		{name: "url_host", fixture: "trove.conf", src: `section = "DEFAULT"
values = { transport_url = "rabbit://stackrabbit:secretpw@10.0.0.6:5672/" }`},
		{name: "url_password_only", fixture: "trove.conf", src: `section = "DEFAULT"
values = { transport_url = "rabbit://stackrabbit:otherpw@10.0.0.5:5672/" }`},
		{name: "keep_spelling", fixture: "trove.conf", src: `section = "DEFAULT"
values = { trove_api_workers = 4, debug = false }`},
		{name: "multi_value", fixture: "trove.conf", src: `section = "DEFAULT"
values = { notification_topics = ["notifications", "trove_events", "audit"] }`},
		{name: "multi_to_single", fixture: "trove.conf", src: `section = "DEFAULT"
values = { notification_topics = "notifications" }`},
		{name: "absent", fixture: "trove.conf", src: `section = "keystone_authtoken"
absent = ["description", "cafile", "not_there"]`},
		{name: "second_default_section", fixture: "trove.conf", src: `section = "DEFAULT"
values = { rpc_response_timeout = 60, usage_timeout = 900 }`},
		{name: "new_section", fixture: "trove.conf", src: `section = "oslo_policy"
values = { enforce_scope = true }`},
		{name: "multi_line_value", fixture: "trove.conf", src: `section = "database"
values = { idle_timeout = "a\nb" }`},
		{name: "sensitive_names", fixture: "trove.conf", src: `section = "keystone_authtoken"
values = { password = "new_pw", auth_url = "http://10.0.0.6/identity" }`},
		{name: "sample_commented_default", fixture: "trove.conf.sample", src: `section = "DEFAULT"
values = { debug = true, transport_url = "rabbit://u:p@ctl:5672/" }`},
		{name: "sample_keystone_db", fixture: "keystone.conf.sample", src: `section = "database"
values = { connection = "mysql+pymysql://keystone:kpw@127.0.0.1/keystone" }`},
		{name: "crlf", fixture: "crlf.conf", src: `section = "DEFAULT"
values = { debug = true, log_dir = "/var/log/trove" }`},
		{name: "no_final_newline", fixture: "nonl.conf", src: `section = "DEFAULT"
values = { last_line = "now with one", extra = 1 }`},
		{name: "quoting", fixture: "nonl.conf", src: `section = "DEFAULT"
values = { debug = " spaced ", empty = "" }`},
		{name: "create", fixture: "", src: `section = "DEFAULT"
values = { debug = true }
create = true
mode = "0640"`},
		{name: "noop", fixture: "trove.conf", src: `section = "DEFAULT"
values = { debug = "True", trove_api_workers = "2", notification_topics = ["notifications", "trove_events"] }
absent = ["nope"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "target.conf")
			var orig []byte
			if tt.fixture != "" {
				var err error
				if orig, err = os.ReadFile(filepath.Join("testdata", tt.fixture)); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, orig, 0o640); err != nil {
					t.Fatal(err)
				}
			}
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, "path = \""+path+"\"\n"+tt.src), local.New("h1"), "")
			before := snapshot(t, dir)
			p := moduletest.Plan(t, m, req)
			if p.Err != nil {
				t.Fatalf("plan: %v", p.Err)
			}
			if after := snapshot(t, dir); after != before {
				t.Fatalf("the plan changed the directory:\n%s\n%s", before, after)
			}
			var got strings.Builder
			fmt.Fprintf(&got, "action: %v\nreason: %s\ndiff:\n%s", p.Action, strings.ReplaceAll(p.Reason, path, "PATH"), renderDiff(p.Diff, path))

			_, a := moduletest.Run(t, m, req)
			if p.Action == module.NoOp {
				if a != nil {
					t.Fatal("apply after a no-op plan")
				}
			} else {
				if a == nil || a.Err != nil || !a.Changed {
					t.Fatalf("apply = %+v", a)
				}
				if out := a.Outputs; out.GetAttr("path").AsString() != path || !out.GetAttr("changed").True() {
					t.Errorf("outputs = %#v", out)
				}
			}
			now, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&got, "file:\n%s", filediff.Unified("PATH", orig, now, tt.fixture == ""))
			golden(t, filepath.Join("testdata", "golden", tt.name+".txt"), got.String())

			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
				t.Errorf("mode after apply = %v, want 0640 kept", fi.Mode())
			}
			if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
				t.Errorf("second plan = %v %q (%v), want a no-op", again.Action, again.Reason, again.Err)
			}
			plan := strings.SplitN(got.String(), "file:\n", 2)[0]
			for _, secret := range []string{"secretpw", "otherpw", "admin_pw", "new_pw", "kpw", ":p@", "QkhERmd1"} {
				if strings.Contains(plan, secret) {
					t.Errorf("the plan shows the secret %q:\n%s", secret, plan)
				}
			}
		})
	}
}

// renderDiff renders diff items the way a reviewer reads them.
func renderDiff(d *module.Diff, path string) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	for _, it := range d.Items {
		sign := "~"
		switch {
		case it.BeforeAbsent:
			sign = "+"
		case it.AfterAbsent:
			sign = "-"
		}
		switch {
		case it.Sensitive:
			fmt.Fprintf(&b, "  %s %s: (sensitive)\n", sign, it.Name)
		case sign == "+":
			fmt.Fprintf(&b, "  %s %s: %q\n", sign, it.Name, strings.ReplaceAll(it.After, path, "PATH"))
		case sign == "-":
			fmt.Fprintf(&b, "  %s %s: %q\n", sign, it.Name, it.Before)
		default:
			fmt.Fprintf(&b, "  %s %s: %q -> %q\n", sign, it.Name, it.Before, it.After)
		}
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// snapshot renders every file of dir with its mode and content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %d\n", p, fi.Mode(), fi.ModTime().UnixNano())
		if d.Type().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.Write(c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) error
		src   string // %D is the temp dir
		want  string // substring of the plan error
	}{
		{name: "missing file", src: `path = "%D/nope.conf"
section = "DEFAULT"
values = { a = 1 }`, want: "%D/nope.conf does not exist (set create = true"},
		{name: "missing directory with create", src: `path = "%D/no/dir.conf"
section = "DEFAULT"
values = { a = 1 }
create = true`, want: "directory %D/no does not exist"},
		{name: "malformed", setup: write("bad.conf", "[DEFAULT]\ndebug = true\nthis line is wrong\n"), src: `path = "%D/bad.conf"
section = "DEFAULT"
values = { debug = false }`, want: `%D/bad.conf:3: not a section header, an option (key = value), a comment or a continuation line: "this line is wrong"`},
		{name: "a directory", setup: mkdir("d.conf"), src: `path = "%D/d.conf"
section = "DEFAULT"
values = { a = 1 }`, want: "%D/d.conf is a directory"},
		{name: "relative path", src: `path = "x.conf"
section = "DEFAULT"
values = { a = 1 }`, want: `path "x.conf" must be absolute`},
		{name: "both values and absent", setup: write("a.conf", "[s]\n"), src: `path = "%D/a.conf"
section = "s"
values = { a = 1 }
absent = ["a"]`, want: "Option a is both in values and in absent"},
		{name: "nothing to do", setup: write("a.conf", "[s]\n"), src: `path = "%D/a.conf"
section = "s"`, want: "Give at least one of values or absent"},
		{name: "unwritable value", setup: write("a.conf", "[s]\n"), src: `path = "%D/a.conf"
section = "s"
values = { a = "x\n\ny" }`, want: "[s] a: the value cannot be written"},
		{name: "unknown owner", setup: write("a.conf", "[s]\n"), src: `path = "%D/a.conf"
section = "s"
values = { a = 1 }
owner = "rb-no-such-user"`, want: `no user named "rb-no-such-user"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				if err := tt.setup(dir); err != nil {
					t.Fatal(err)
				}
			}
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(tt.src)), local.New("h1"), "")
			before := snapshot(t, dir)
			p, a := moduletest.Run(t, m, req)
			if p.Err == nil || !strings.Contains(p.Err.Error(), sub(tt.want)) {
				t.Errorf("plan err = %v, want %q", p.Err, sub(tt.want))
			}
			if a != nil {
				t.Error("apply after a failed plan")
			}
			// Apply alone (without a plan) fails the same way and changes nothing.
			ar := m.Apply(context.Background(), &module.ApplyRequest{Request: req})
			if ar.Err == nil || ar.Changed {
				t.Errorf("apply = %+v, want the same error", ar)
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("the host changed:\n%s\n%s", before, after)
			}
		})
	}
}

func write(name, content string) func(string) error {
	return func(dir string) error { return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644) }
}

func mkdir(name string) func(string) error {
	return func(dir string) error { return os.Mkdir(filepath.Join(dir, name), 0o755) }
}

// deniedConn is a Conn whose downloads are refused, as reading a root-only
// file as another user is; so is the cat of a hostfs probe (it exits 1
// with nothing read).
type deniedConn struct{ transport.Conn }

func (d deniedConn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	if len(cmd.Argv) < 7 || cmd.Argv[0] != "/bin/sh" || !strings.Contains(cmd.Argv[2], "exec cat") || cmd.Argv[6] != "1" {
		return d.Conn.Exec(ctx, cmd)
	}
	c := *cmd
	c.Argv = append([]string(nil), cmd.Argv...)
	c.Argv[6] = "0"
	res, err := d.Conn.Exec(ctx, &c)
	if err == nil && bytes.HasSuffix(res.Stdout, []byte("N")) {
		res.Stdout = append(res.Stdout[:len(res.Stdout)-1], 'C')
		res.RC = 1
		res.Stderr = []byte("cat: " + cmd.Argv[4] + ": Permission denied\n")
	}
	return res, err
}

func (deniedConn) Download(context.Context, string, io.Writer) error {
	return fmt.Errorf("host h1: download /etc/trove/trove.conf: %w", fs.ErrPermission)
}

func TestPermissionDenied(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trove.conf")
	if err := os.WriteFile(path, []byte("[DEFAULT]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `path = "`+path+`"
section = "DEFAULT"
values = { debug = true }`), deniedConn{local.New("h1")}, "")
	p := moduletest.Plan(t, m, req)
	if p.Err == nil || !strings.Contains(p.Err.Error(), "reading "+path) || !strings.Contains(p.Err.Error(), "permission denied") {
		t.Errorf("plan err = %v", p.Err)
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trove.conf")
	if err := os.WriteFile(path, []byte("[DEFAULT]\ndebug = true\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	m := New()
	for i, v := range []string{"false", "true"} {
		req := moduletest.Request(moduletest.Args(t, m, `path = "`+path+`"
section = "DEFAULT"
values = { debug = `+v+` }
backup = true`), local.New("h1"), "")
		_, a := moduletest.Run(t, m, req)
		if a == nil || a.Err != nil {
			t.Fatalf("apply %d: %+v", i, a)
		}
		backup := a.Outputs.GetAttr("backup").AsString()
		if !strings.HasPrefix(backup, path+".") || !strings.HasSuffix(backup, "~") {
			t.Fatalf("backup = %q", backup)
		}
		b, err := os.ReadFile(backup)
		wantOld := map[int]string{0: "true", 1: "false"}[i]
		if err != nil || string(b) != "[DEFAULT]\ndebug = "+wantOld+"\n" {
			t.Errorf("backup %d holds %q (%v)", i, b, err)
		}
		if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o640 {
			t.Errorf("backup mode %v", fi.Mode())
		}
	}
	// Two backups within the same second do not overwrite each other.
	if all, _ := filepath.Glob(path + ".*~"); len(all) != 2 {
		t.Errorf("backups = %v, want 2", all)
	}
}

func TestSymlinkIsFollowed(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.conf")
	if err := os.WriteFile(real, []byte("[DEFAULT]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.conf")
	if err := os.Symlink("real.conf", link); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `path = "`+link+`"
section = "DEFAULT"
values = { debug = true }`), local.New("h1"), "")
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "[DEFAULT]\ndebug = true\n" {
		t.Errorf("target holds %q", b)
	}
}

func TestSensitiveArgument(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.conf")
	if err := os.WriteFile(path, []byte("[DEFAULT]\nhost = a\nport = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `path = "`+path+`"
section = "DEFAULT"
values = { host = "s3cr3t-host", port = 2 }`), local.New("h1"), "")
	req.Sensitive = []cty.Path{cty.GetAttrPath("values").Index(cty.StringVal("host"))}
	p := moduletest.Plan(t, m, req)
	d := renderDiff(p.Diff, path)
	if strings.Contains(d+p.Reason, "s3cr3t") || !strings.Contains(d, "~ [DEFAULT] host: (sensitive)") || !strings.Contains(d, `"1" -> "2"`) {
		t.Errorf("diff:\n%s", d)
	}
	req.Sensitive = []cty.Path{cty.GetAttrPath("values")}
	p = moduletest.Plan(t, m, req)
	if d := renderDiff(p.Diff, path); strings.Contains(d, `"1"`) {
		t.Errorf("a wholly sensitive values shows a value:\n%s", d)
	}
}

func TestDecodeErrors(t *testing.T) {
	_, diags := moduletest.Decode(New(), `section = "s"`)
	if !diags.HasErrors() || diags[0].Summary != "Missing required argument" || !strings.Contains(diags[0].Detail, `"path"`) {
		t.Errorf("decode without path: %v", diags)
	}
}

// TestRules: what the module's rules catch before Plan.
func TestRules(t *testing.T) {
	tests := []struct{ src, summary, detail string }{
		{"path = \"/x\"\nsection = \"[s]\"\nvalues = {a=1}", "Invalid value for section", "DEFAULT"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = { a = { b = 1 } }", "Invalid value for values", "a: the value must be a string"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = { a = null }", "Invalid value for values", "list it in absent"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = [\"a\"]", "Invalid value for values", "must be an object"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = { \"a=b\" = 1 }", "Invalid value for values", "cannot be an INI option name"},
		{"path = \"/x\"\nsection = \"s\"\nabsent = [\"#a\"]", "Invalid value for absent", "cannot be an INI option name"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = {a=1}\nabsent = [\"a\"]", "Conflicting arguments", "both in values and in absent"},
		{"path = \"/x\"\nsection = \"s\"", "Missing argument", "values or absent"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = {a=1}\nmode = \"rw\"", "Invalid value for mode", "octal"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = {a=1}\nowner = \"a:b\"", "Invalid value for owner", "user or group"},
		{"path = \"/x\"\nsection = \"s\"\nvalues = {a=1}\nvalidate = [\"true\"]", "Invalid value for validate", `"%s" in it stands for the new file`},
	}
	for _, tt := range tests {
		m := New()
		errs := moduletest.Check(m, moduletest.Args(t, m, tt.src))
		if len(errs) == 0 || errs[0].Summary != tt.summary || !strings.Contains(errs[0].Detail, tt.detail) {
			t.Errorf("check %q: %v, want %s / %s", tt.src, errs, tt.summary, tt.detail)
		}
	}
}

// TestSchemaDoc checks the reference page and that the example's ini
// blocks fit the schema.
func TestSchemaDoc(t *testing.T) { fdtest.CheckExample(t, New(), Name) }
