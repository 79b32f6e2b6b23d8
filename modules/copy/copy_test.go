package copy

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestPlanApply: plan (which must leave the directory as it was), apply,
// check the file, plan again (a no-op).
func TestPlanApply(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 70000) // 1.1 MB
	tests := []struct {
		name       string
		setup      map[string]string // files in the temp dir, mode 0644
		src        string            // %D is the temp dir
		wantAction module.Action
		wantReason string
		wantDiff   string // rendered diff; %D replaced
		file       string // path relative to %D that must hold wantBody
		wantBody   string
		wantMode   fs.FileMode
	}{
		{
			name: "new file", src: `dest = "%D/a.conf"` + "\ncontent = \"x = 1\\n\"",
			wantAction: module.Change, wantReason: "would create %D/a.conf",
			wantDiff: "+ file: %D/a.conf\n+ content:\n--- /dev/null\n+++ %D/a.conf (after)\n@@ -0,0 +1 @@\n+x = 1\n+ mode: 0644\n",
			file:     "a.conf", wantBody: "x = 1\n", wantMode: 0o644,
		},
		{
			name: "changed content keeps mode", setup: map[string]string{"a.conf": "a\nb\nc\n"},
			src:        `dest = "%D/a.conf"` + "\ncontent = \"a\\nB\\nc\"",
			wantAction: module.Change, wantReason: "would update %D/a.conf (content)",
			wantDiff: "~ content:\n--- %D/a.conf (before)\n+++ %D/a.conf (after)\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+c\n\\ No newline at end of file\n",
			file:     "a.conf", wantBody: "a\nB\nc", wantMode: 0o644,
		},
		{
			name: "mode only", setup: map[string]string{"a.conf": "same\n"},
			src:        `dest = "%D/a.conf"` + "\ncontent = \"same\\n\"\nmode = \"0600\"",
			wantAction: module.Change, wantReason: "would update %D/a.conf (mode)",
			wantDiff: "~ mode: 0644 -> 0600\n",
			file:     "a.conf", wantBody: "same\n", wantMode: 0o600,
		},
		{
			name: "same content", setup: map[string]string{"a.conf": "same\n"},
			src:        `dest = "%D/a.conf"` + "\ncontent = \"same\\n\"\nmode = \"644\"",
			wantAction: module.NoOp, wantReason: "%D/a.conf is up to date",
			file: "a.conf", wantBody: "same\n", wantMode: 0o644,
		},
		{
			name: "src into a directory", setup: map[string]string{"local/app.ini": "[a]\n", "remote/.keep": ""},
			src:        `src = "%D/local/app.ini"` + "\ndest = \"%D/remote\"\nmode = \"0640\"",
			wantAction: module.Change, wantReason: "would create %D/remote/app.ini",
			file: "remote/app.ini", wantBody: "[a]\n", wantMode: 0o640,
		},
		{
			name: "dest ending in a slash", setup: map[string]string{"local/app.ini": "[a]\n", "remote/.keep": ""},
			src:        `src = "%D/local/app.ini"` + "\ndest = \"%D/remote/\"",
			wantAction: module.Change, file: "remote/app.ini", wantBody: "[a]\n", wantMode: 0o644,
		},
		{
			name: "sensitive content", setup: map[string]string{"s": "old-secret"},
			src:        `dest = "%D/s"` + "\ncontent = \"new-secret\"",
			wantAction: module.Change, wantDiff: "~ content: (sensitive)\n",
			file: "s", wantBody: "new-secret", wantMode: 0o644,
		},
		{
			name: "binary", setup: map[string]string{"b": "a\x00b"},
			src:        `dest = "%D/b"` + "\ncontent = \"a\\u0001b\"",
			wantAction: module.Change, wantDiff: "~ content: (3 bytes, sha256 59b271ae1bbcb1d3) -> (3 bytes, sha256 82d34c7d68cf2821)\n",
			file: "b", wantBody: "a\x01b", wantMode: 0o644,
		},
		{
			name: "big file same size", setup: map[string]string{"big": big},
			src:        `dest = "%D/big"` + "\ncontent = \"" + strings.Replace(big, "0", "Z", 1) + "\"",
			wantAction: module.Change, wantDiff: "~ content: (1120000 bytes) -> " + filediff.Summary([]byte(strings.Replace(big, "0", "Z", 1))) + "\n",
			file: "big", wantBody: strings.Replace(big, "0", "Z", 1), wantMode: 0o644,
		},
		{
			name: "big file unchanged", setup: map[string]string{"big": big},
			src:        `dest = "%D/big"` + "\ncontent = \"" + big + "\"",
			wantAction: module.NoOp, file: "big", wantBody: big, wantMode: 0o644,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			for name, body := range tt.setup {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(tt.src)), local.New("h1"), "")
			if tt.name == "sensitive content" {
				req.Sensitive = []cty.Path{cty.GetAttrPath("content")}
			}
			before := fdtest.Snapshot(t, dir)
			p := moduletest.Plan(t, m, req)
			if p.Err != nil {
				t.Fatalf("plan: %v", p.Err)
			}
			if fdtest.Snapshot(t, dir) != before {
				t.Fatal("the plan changed the directory")
			}
			if p.Action != tt.wantAction || !strings.Contains(p.Reason, sub(tt.wantReason)) {
				t.Errorf("plan = %v %q, want %v %q", p.Action, p.Reason, tt.wantAction, sub(tt.wantReason))
			}
			if tt.wantDiff != "" {
				if got := fdtest.Render(p.Diff); got != sub(tt.wantDiff) {
					t.Errorf("diff:\n%s\nwant:\n%s", got, sub(tt.wantDiff))
				}
			}
			if strings.Contains(fdtest.Render(p.Diff), "secret") {
				t.Error("the diff shows sensitive content")
			}
			_, a := moduletest.Run(t, m, req)
			if tt.wantAction != module.NoOp && (a == nil || a.Err != nil || !a.Changed) {
				t.Fatalf("apply = %+v", a)
			}
			path := filepath.Join(dir, tt.file)
			b, err := os.ReadFile(path)
			if err != nil || string(b) != tt.wantBody {
				t.Errorf("%s holds %.40q (%v), want %.40q", tt.file, b, err, tt.wantBody)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != tt.wantMode {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.wantMode)
			}
			if a != nil {
				out := a.Outputs
				if out.GetAttr("path").AsString() != path || out.GetAttr("checksum").AsString() != filediff.Checksum([]byte(tt.wantBody)) {
					t.Errorf("outputs = %#v", out)
				}
			}
			if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
				t.Errorf("second plan = %v %q (%v)", again.Action, again.Reason, again.Err)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.runbook-*")); len(leftovers) > 0 {
				t.Errorf("staging files left: %v", leftovers)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	// Cases marked rule are caught by the module's rules, which the
	// engine (and moduletest.Plan) checks before Plan and Apply.
	tests := []struct {
		name, src, want string
		rule            bool
	}{
		{"both", `dest = "%D/x"` + "\ncontent = \"a\"\nsrc = \"b\"", "Give only one of content or src, not content and src", true},
		{"neither", `dest = "%D/x"`, "Give exactly one of content or src", true},
		{"missing src", `dest = "%D/x"` + "\nsrc = \"%D/nope\"", "src: stat %D/nope: no such file or directory", false},
		{"src is a directory", `dest = "%D/x"` + "\nsrc = \"%D\"", "is a directory; copy copies one file", false},
		{"relative dest", `dest = "x"` + "\ncontent = \"a\"", `dest must be an absolute path: "x" is not absolute`, true},
		{"missing directory", `dest = "%D/no/x"` + "\ncontent = \"a\"", "directory %D/no does not exist", false},
		{"dest directory with content", `dest = "%D/"` + "\ncontent = \"a\"", "is a directory: name the file", false},
		{"unknown group", `dest = "%D/x"` + "\ncontent = \"a\"\ngroup = \"rb-no-such-group\"", `no group named "rb-no-such-group"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(tt.src)), local.New("h1"), "")
			before := fdtest.Snapshot(t, dir)
			p, a := moduletest.Run(t, m, req)
			if p.Err == nil || !strings.Contains(p.Err.Error(), sub(tt.want)) {
				t.Errorf("plan err = %v, want %q", p.Err, sub(tt.want))
			}
			if a != nil {
				t.Error("applied after a failed plan")
			}
			if tt.rule {
				return
			}
			if ar := m.Apply(context.Background(), &module.ApplyRequest{Request: req}); ar.Err == nil || ar.Changed {
				t.Errorf("apply alone = %+v", ar)
			}
			if fdtest.Snapshot(t, dir) != before {
				t.Error("the directory changed")
			}
		})
	}
}

func TestOwnerAndBackup(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "trove.conf")
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	oldNow := filediff.Now
	filediff.Now = func() time.Time { return time.Date(2024, 5, 1, 13, 45, 10, 0, time.Local) }
	defer func() { filediff.Now = oldNow }()
	m := New()
	// New content, owner kept, backup made.
	req := moduletest.Request(moduletest.Args(t, m, `dest = "`+path+`"
content = "new\n"
backup = true`), local.New("h1"), "")
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	want := path + ".2024-05-01@13:45:10~"
	if got := a.Outputs.GetAttr("backup").AsString(); got != want {
		t.Errorf("backup = %q, want %q", got, want)
	}
	if b, _ := os.ReadFile(want); string(b) != "old\n" {
		t.Errorf("backup holds %q", b)
	}
	st := stat(t, path)
	if st.Uid != 65534 || st.Gid != 65534 || st.Mode&0o777 != 0o640 {
		t.Errorf("after the write: uid %d gid %d mode %o, want the old file's 65534 65534 640", st.Uid, st.Gid, st.Mode&0o777)
	}
	// Owner change only: no backup, a chown.
	req = moduletest.Request(moduletest.Args(t, m, `dest = "`+path+`"
content = "new\n"
owner = "root"
group = "0"
backup = true`), local.New("h1"), "")
	p, a := moduletest.Run(t, m, req)
	if got := fdtest.Render(p.Diff); got != "~ owner: nobody -> root\n~ group: nogroup -> 0\n" {
		t.Errorf("diff = %q", got)
	}
	if a == nil || a.Err != nil || a.Outputs.GetAttr("backup").AsString() != "" {
		t.Fatalf("apply %+v", a)
	}
	if st := stat(t, path); st.Uid != 0 || st.Gid != 0 {
		t.Errorf("uid %d gid %d after chown", st.Uid, st.Gid)
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
		t.Errorf("second plan %v %q", again.Action, again.Reason)
	}
}

func TestSymlinkDest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "real"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `dest = "`+dir+`/link"`+"\ncontent = \"b\""), local.New("h1"), "")
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	if fi, _ := os.Lstat(filepath.Join(dir, "link")); fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "real")); string(b) != "b" {
		t.Errorf("target holds %q", b)
	}
}

func stat(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

func TestSchemaDoc(t *testing.T) {
	fdtest.CheckExample(t, New(), Name)
}
