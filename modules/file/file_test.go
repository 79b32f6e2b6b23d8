package file

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

type setup func(t *testing.T, dir string)

func mkfile(name string, mode fs.FileMode) setup {
	return func(t *testing.T, dir string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("data"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
}

func mkdir(name string) setup {
	return func(t *testing.T, dir string) {
		if err := os.MkdirAll(filepath.Join(dir, name, "inner"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func mklink(target, name string) setup {
	return func(t *testing.T, dir string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// check inspects the temp dir after apply.
type check func(t *testing.T, dir string)

func isType(name, typ string, perm fs.FileMode) check {
	return func(t *testing.T, dir string) {
		fi, err := os.Lstat(filepath.Join(dir, name))
		switch {
		case typ == "absent":
			if err == nil {
				t.Errorf("%s still exists", name)
			}
			return
		case err != nil:
			t.Fatalf("%s: %v", name, err)
		}
		got := map[bool]string{true: "directory", false: "file"}[fi.IsDir()]
		if fi.Mode()&fs.ModeSymlink != 0 {
			got = "link"
		}
		if got != typ {
			t.Errorf("%s is a %s, want %s", name, got, typ)
		}
		if perm != 0 && fi.Mode()&(fs.ModeDir|fs.ModePerm|fs.ModeSetgid|fs.ModeSetuid|fs.ModeSticky) != perm {
			t.Errorf("%s mode %v, want %v", name, fi.Mode(), perm)
		}
	}
}

func linksTo(name, target string) check {
	return func(t *testing.T, dir string) {
		if got, err := os.Readlink(filepath.Join(dir, name)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, target)
		}
	}
}

func TestPlanApply(t *testing.T) {
	tests := []struct {
		name       string
		setup      []setup
		src        string // %D is the temp dir
		wantAction module.Action
		wantReason string
		wantDiff   string
		checks     []check
	}{
		{
			name: "directory created with parents", src: `path = "%D/a/b"` + "\nstate = \"directory\"\nmode = \"0750\"",
			wantAction: module.Change, wantReason: "would create directory %D/a/b",
			wantDiff: "~ state: absent -> directory\n+ mode: 0750\n",
			checks:   []check{isType("a/b", "directory", fs.ModeDir|0o750)},
		},
		{
			name: "directory exists", setup: []setup{mkdir("d")}, src: `path = "%D/d"` + "\nstate = \"directory\"",
			wantAction: module.NoOp, wantReason: "%D/d is a directory as asked",
		},
		{
			name: "directory mode", setup: []setup{mkdir("d")}, src: `path = "%D/d"` + "\nstate = \"directory\"\nmode = \"2770\"",
			wantAction: module.Change, wantReason: "would set mode of %D/d", wantDiff: "~ mode: 0755 -> 2770\n",
			checks: []check{isType("d", "directory", fs.ModeDir|fs.ModeSetgid|0o770)},
		},
		{
			name: "file mode", setup: []setup{mkfile("f", 0o644)}, src: `path = "%D/f"` + "\nmode = \"0600\"",
			wantAction: module.Change, wantDiff: "~ mode: 0644 -> 0600\n", checks: []check{isType("f", "file", 0o600)},
		},
		{
			name: "file mode through a link", setup: []setup{mkfile("f", 0o644), mklink("f", "l")}, src: `path = "%D/l"` + "\nmode = \"0600\"",
			wantAction: module.Change, wantDiff: "~ mode: 0644 -> 0600\n", checks: []check{isType("f", "file", 0o600), isType("l", "link", 0)},
		},
		{
			name: "touch creates", src: `path = "%D/t"` + "\nstate = \"touch\"\nmode = \"0640\"",
			wantAction: module.Change, wantReason: "would create file %D/t", wantDiff: "~ state: absent -> file\n+ mode: 0640\n",
			checks: []check{isType("t", "file", 0o640)},
		},
		{
			name: "touch leaves an existing file", setup: []setup{mkfile("t", 0o644)}, src: `path = "%D/t"` + "\nstate = \"touch\"",
			wantAction: module.NoOp, wantReason: "%D/t is a file as asked",
		},
		{
			name: "link created", src: `path = "%D/cur"` + "\nstate = \"link\"\nsrc = \"v2\"",
			wantAction: module.Change, wantDiff: "~ state: absent -> link\n+ target: v2\n",
			checks: []check{isType("cur", "link", 0), linksTo("cur", "v2")},
		},
		{
			name: "link re-pointed", setup: []setup{mklink("v1", "cur")}, src: `path = "%D/cur"` + "\nstate = \"link\"\nsrc = \"v2\"",
			wantAction: module.Change, wantReason: "would point %D/cur to v2", wantDiff: "~ target: v1 -> v2\n",
			checks: []check{linksTo("cur", "v2")},
		},
		{
			name: "link as asked", setup: []setup{mklink("v1", "cur")}, src: `path = "%D/cur"` + "\nstate = \"link\"\nsrc = \"v1\"",
			wantAction: module.NoOp,
		},
		{
			name: "link forced over a file", setup: []setup{mkfile("cur", 0o644)}, src: `path = "%D/cur"` + "\nstate = \"link\"\nsrc = \"v2\"\nforce = true",
			wantAction: module.Change, wantDiff: "~ state: file -> link\n+ target: v2\n",
			checks: []check{linksTo("cur", "v2")},
		},
		{
			name: "absent file", setup: []setup{mkfile("f", 0o644)}, src: `path = "%D/f"` + "\nstate = \"absent\"",
			wantAction: module.Change, wantReason: "would remove %D/f", wantDiff: "~ state: file -> absent\n",
			checks: []check{isType("f", "absent", 0)},
		},
		{
			name: "absent directory with content", setup: []setup{mkdir("d")}, src: `path = "%D/d"` + "\nstate = \"absent\"",
			wantAction: module.Change, wantDiff: "~ state: directory -> absent\n", checks: []check{isType("d", "absent", 0)},
		},
		{
			name: "absent link removes the link only", setup: []setup{mkfile("f", 0o644), mklink("f", "l")}, src: `path = "%D/l"` + "\nstate = \"absent\"",
			wantAction: module.Change, wantDiff: "~ state: link -> absent\n", checks: []check{isType("l", "absent", 0), isType("f", "file", 0o644)},
		},
		{
			name: "absent already", src: `path = "%D/nope"` + "\nstate = \"absent\"",
			wantAction: module.NoOp, wantReason: "%D/nope does not exist",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			for _, s := range tt.setup {
				s(t, dir)
			}
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(tt.src)), local.New("h1"), "")
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
			if got := fdtest.Render(p.Diff); tt.wantDiff != "" && got != sub(tt.wantDiff) {
				t.Errorf("diff:\n%s\nwant:\n%s", got, sub(tt.wantDiff))
			}
			_, a := moduletest.Run(t, m, req)
			if tt.wantAction == module.Change && (a == nil || a.Err != nil || !a.Changed) {
				t.Fatalf("apply = %+v", a)
			}
			for _, c := range tt.checks {
				c(t, dir)
			}
			if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
				t.Errorf("second plan = %v %q (%v)", again.Action, again.Reason, again.Err)
			}
			if left, _ := filepath.Glob(dir + "/.*runbook*"); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup []setup
		src   string
		want  string
	}{
		{"file missing", nil, `path = "%D/f"`, `%D/f does not exist; state = "file" only sets the attributes`},
		{"file is a directory", []setup{mkdir("d")}, `path = "%D/d"`, "%D/d exists and is a directory, not a file"},
		{"directory is a file", []setup{mkfile("f", 0o644)}, `path = "%D/f"` + "\nstate = \"directory\"", "%D/f exists and is a file, not a directory"},
		{"link over a file", []setup{mkfile("f", 0o644)}, `path = "%D/f"` + "\nstate = \"link\"\nsrc = \"x\"", "set force = true"},
		{"link over a directory", []setup{mkdir("d")}, `path = "%D/d"` + "\nstate = \"link\"\nsrc = \"x\"\nforce = true", "a link cannot replace it"},
		{"link without src", nil, `path = "%D/l"` + "\nstate = \"link\"", `src is required here (when state is "link")`},
		{"src without link", nil, `path = "%D/l"` + "\nsrc = \"x\"", `src does not go with the other arguments given (unless state is "link")`},
		{"mode on link", nil, `path = "%D/l"` + "\nstate = \"link\"\nsrc = \"x\"\nmode = \"0644\"", "mode does not apply to a symbolic link"},
		{"attrs with absent", nil, `path = "%D/l"` + "\nstate = \"absent\"\nowner = \"root\"", `owner does not go with the other arguments given (when state is "absent")`},
		{"relative", nil, `path = "x"`, `"x" is not absolute`},
		{"root", nil, `path = "/"` + "\nstate = \"absent\"", `"/" cannot be managed`},
		{"touch in a missing directory", nil, `path = "%D/no/f"` + "\nstate = \"touch\"", "directory %D/no does not exist"},
		{"dangling link", []setup{mklink("nowhere", "l")}, `path = "%D/l"` + "\nstate = \"touch\"", "%D/l is a dangling symbolic link"},
		{"unknown owner", []setup{mkfile("f", 0o644)}, `path = "%D/f"` + "\nowner = \"rb-no-such-user\"", `no user named "rb-no-such-user"`},
		{"recurse without owner", []setup{mkdir("d")}, `path = "%D/d"` + "\nstate = \"directory\"\nrecurse = true", "give owner or group"},
		{"recurse on a file", []setup{mkfile("f", 0o644)}, `path = "%D/f"` + "\nrecurse = true\nowner = \"root\"", `recurse does not go with the other arguments given (unless state is "directory")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			for _, s := range tt.setup {
				s(t, dir)
			}
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
			if len(moduletest.Check(m, req.Args)) > 0 {
				return // the rules stop it before Plan and Apply
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

func TestOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	mkfile("f", 0o644)(t, dir)
	mklink("f", "l")(t, dir)
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `path = "`+dir+`/f"
owner = "nobody"
group = "65534"`), local.New("h1"), "")
	p, a := moduletest.Run(t, m, req)
	if got := fdtest.Render(p.Diff); got != "~ owner: root -> nobody\n~ group: root -> 65534\n" {
		t.Errorf("diff %q", got)
	}
	if a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	fi, _ := os.Stat(dir + "/f")
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 || st.Gid != 65534 {
		t.Errorf("uid %d gid %d", st.Uid, st.Gid)
	}
	// A link's own owner, not its target's.
	req = moduletest.Request(moduletest.Args(t, m, `path = "`+dir+`/l"
state = "link"
src = "f"
owner = "root"`), local.New("h1"), "")
	if p, a := moduletest.Run(t, m, req); p.Action != module.NoOp || a != nil {
		t.Errorf("link owned by root already: %v %q", p.Action, p.Reason)
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
		t.Errorf("second plan %v", again.Action)
	}
}

func TestSchemaDoc(t *testing.T) {
	fdtest.CheckExample(t, New(), Name)
}

func TestRecurse(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mkdir("lib")(t, dir) // lib/inner
	mkfile("lib/inner/db", 0o600)(t, dir)
	mklink(outside, "lib/link")(t, dir)
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `path = "`+dir+`/lib"
state = "directory"
owner = "nobody"
group = "nogroup"
recurse = true`), local.New("h1"), "")
	p, a := moduletest.Run(t, m, req)
	if p.Err != nil || p.Action != module.Change {
		t.Fatalf("plan %v %q %v", p.Action, p.Reason, p.Err)
	}
	if got := fdtest.Render(p.Diff); !strings.Contains(got, "~ owner (recursive): differs, e.g. "+dir+"/lib/") || !strings.HasSuffix(got, " -> nobody:nogroup\n") {
		t.Errorf("diff %q", got)
	}
	if a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	for _, name := range []string{"lib", "lib/inner", "lib/inner/db", "lib/link"} {
		fi, _ := os.Lstat(filepath.Join(dir, name))
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 || st.Gid != 65534 {
			t.Errorf("%s: uid %d gid %d", name, st.Uid, st.Gid)
		}
	}
	if fi, _ := os.Stat(outside); fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Error("the link's target outside the directory was chowned")
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
		t.Errorf("second plan %v %q", again.Action, again.Reason)
	}
}
