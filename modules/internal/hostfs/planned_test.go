package hostfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
)

// plannedFS is an FS over a temporary directory on this machine, with the
// facts the test adds laid over it.
func plannedFS(t *testing.T) (*FS, *view, string) {
	t.Helper()
	root := t.TempDir()
	v := &view{}
	return New(local.New("h1"), v), v, root
}

// view is moduletest.View with one instance's name on every fact.
type view struct{ moduletest.View }

func (v *view) add(f module.Fact) { v.Add("task.t@h1", f) }

func umask(t *testing.T) fs.FileMode {
	t.Helper()
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}

func TestPlannedDirectoryThenFileInIt(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	app := filepath.Join(root, "srv", "app")
	dirs, err := f.PlanMissingDirs(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 2 || dirs[0].Key != Key(filepath.Join(root, "srv")) || dirs[1].Key != Key(app) {
		t.Fatalf("missing dirs %v, want srv then srv/app", dirs)
	}
	for _, d := range dirs {
		v.add(d)
	}
	conf := filepath.Join(app, "app.conf")
	v.add(f.Plan(conf, Planned{Kind: "file", Content: []byte("x = 1\n"), Mode: 0o640, ModeSet: true, UID: -1, GID: -1}))

	if ok, err := f.Exists(ctx, app); !ok || err != nil {
		t.Errorf("Exists(app) = %v, %v", ok, err)
	}
	fi, err := f.Stat(ctx, app)
	if err != nil || !fi.IsDir() || !fi.Planned || fi.Mode.Perm() != 0o777&^umask(t) {
		t.Errorf("Stat(app) = %+v, %v; want a planned directory with mode 0777 &^ umask", fi, err)
	}
	me, _ := user.Current()
	if fi != nil && (fi.Owner != me.Username || strconv.Itoa(fi.UID) != me.Uid) {
		t.Errorf("a new directory belongs to %s (%d), want the user the change runs as, %s", fi.Owner, fi.UID, me.Username)
	}
	b, err := f.ReadFile(ctx, conf)
	if err != nil || string(b) != "x = 1\n" {
		t.Errorf("ReadFile(app.conf) = %q, %v", b, err)
	}
	fi, err = f.Stat(ctx, conf)
	if err != nil || fi.Mode != 0o640 || fi.Size != 6 {
		t.Errorf("Stat(app.conf) = %+v, %v", fi, err)
	}
	// Nothing else is in a directory the plan makes.
	if ok, err := f.Exists(ctx, filepath.Join(app, "other")); ok || err != nil {
		t.Errorf("Exists(other) = %v, %v; want false", ok, err)
	}
	if _, err := f.Lstat(ctx, filepath.Join(app, "other")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Lstat(other) err = %v, want fs.ErrNotExist", err)
	}
	// The host itself is untouched: without the view, nothing is there.
	if ok, _ := New(f.Conn, nil).Exists(ctx, app); ok {
		t.Fatal("the host has the planned directory")
	}
}

func TestPlannedRemoveThenRecreate(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	dir := filepath.Join(root, "cache")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "x"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.add(f.PlanAbsent(dir))
	for _, p := range []string{dir, filepath.Join(dir, "sub"), filepath.Join(dir, "sub", "x")} {
		if ok, err := f.Exists(ctx, p); ok || err != nil {
			t.Errorf("after removing %s: Exists(%s) = %v, %v", dir, p, ok, err)
		}
	}
	x := filepath.Join(dir, "sub", "x")
	dirs, err := f.PlanMissingDirs(ctx, filepath.Dir(x))
	if err != nil || len(dirs) != 2 {
		t.Fatalf("after removing, mkdir -p makes %v (%v), want cache and cache/sub", dirs, err)
	}
	v.Add("task.t@h1", dirs...)
	v.add(f.Plan(x, Planned{Kind: "file", Content: []byte("new"), Mode: 0o600, ModeSet: true, UID: -1, GID: -1}))
	if b, err := f.ReadFile(ctx, x); err != nil || string(b) != "new" {
		t.Errorf("recreated: %q %v", b, err)
	}
}

func TestPlannedOwnerModeOnlyKeepsContent(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	p := filepath.Join(root, "g")
	if err := os.WriteFile(p, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, err := New(f.Conn, nil).Stat(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	v.add(f.Plan(p, Planned{Kind: "file", KeepContent: true, Mode: 0o600, ModeSet: true, Owner: host.Owner, Group: host.Group, UID: host.UID, GID: host.GID}))
	fi, err := f.Stat(ctx, p)
	if err != nil || fi.Mode != 0o600 || fi.Size != 6 || fi.Owner != host.Owner || fi.GID != host.GID {
		t.Errorf("Stat = %+v, %v", fi, err)
	}
	if b, err := f.ReadFile(ctx, p); err != nil || string(b) != "hello\n" {
		t.Errorf("content %q %v, want the host's", b, err)
	}
	// A content change after it, then only the mode again: the planned
	// content stays.
	v.add(f.Plan(p, Planned{Kind: "file", Content: []byte("bye\n"), Mode: 0o600, ModeSet: true, UID: -1, GID: -1}))
	v.add(f.Plan(p, Planned{Kind: "file", KeepContent: true, Mode: 0o640, ModeSet: true, UID: -1, GID: -1}))
	if b, err := f.ReadFile(ctx, p); err != nil || string(b) != "bye\n" {
		t.Errorf("content %q %v, want the planned one", b, err)
	}
}

func TestPlannedLinks(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	target := filepath.Join(root, "real.conf")
	if err := os.WriteFile(target, []byte("on the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "current.conf")
	v.add(f.Plan(link, Planned{Kind: "link", Target: "real.conf", UID: -1, GID: -1}))
	fi, err := f.Lstat(ctx, link)
	if err != nil || fi.Mode&fs.ModeSymlink == 0 || fi.LinkTarget != "real.conf" {
		t.Fatalf("Lstat(link) = %+v, %v", fi, err)
	}
	if real, err := f.RealPath(ctx, link); err != nil || real != target {
		t.Errorf("RealPath = %q, %v", real, err)
	}
	if b, err := f.ReadFile(ctx, link); err != nil || string(b) != "on the host\n" {
		t.Errorf("through the planned link: %q %v", b, err)
	}
	// A planned link to a planned file.
	v.add(f.Plan(filepath.Join(root, "new.conf"), Planned{Kind: "file", Content: []byte("planned\n"), Mode: 0o644, ModeSet: true, UID: -1, GID: -1}))
	v.add(f.Plan(link, Planned{Kind: "link", Target: filepath.Join(root, "new.conf"), UID: -1, GID: -1}))
	if b, err := f.ReadFile(ctx, link); err != nil || string(b) != "planned\n" {
		t.Errorf("through the relinked link: %q %v", b, err)
	}
	// A host link to a planned file.
	hostLink := filepath.Join(root, "host-link")
	if err := os.Symlink("later.conf", hostLink); err != nil {
		t.Fatal(err)
	}
	v.add(f.Plan(filepath.Join(root, "later.conf"), Planned{Kind: "file", Content: []byte("later\n"), Mode: 0o644, ModeSet: true, UID: -1, GID: -1}))
	if b, err := f.ReadFile(ctx, hostLink); err != nil || string(b) != "later\n" {
		t.Errorf("through the host's link: %q %v", b, err)
	}
}

func TestPlannedSomethingIsUnknown(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	stamp := filepath.Join(root, "stamp")
	v.add(f.PlanSomething(stamp))
	if ok, err := f.Exists(ctx, stamp); !ok || err != nil {
		t.Errorf("Exists = %v, %v; a command's creates will be there", ok, err)
	}
	var unknown *UnknownError
	if _, err := f.ReadFile(ctx, stamp); !errors.As(err, &unknown) || !strings.Contains(err.Error(), "known only after task.t@h1 has run") {
		t.Errorf("ReadFile err = %v, want an UnknownError", err)
	}
	if _, err := f.Stat(ctx, filepath.Join(stamp, "below")); !errors.As(err, &unknown) {
		t.Errorf("Stat(below) err = %v, want an UnknownError", err)
	}
	// A planned file: nothing can be under it.
	file := filepath.Join(root, "f")
	v.add(f.Plan(file, Planned{Kind: "file", Content: nil, Mode: 0o644, ModeSet: true, UID: -1, GID: -1}))
	if ok, err := f.Exists(ctx, filepath.Join(file, "x")); ok || err != nil {
		t.Errorf("Exists(f/x) = %v, %v", ok, err)
	}
}

func TestPlannedInSetgidDirectory(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	shared := filepath.Join(root, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	// A group that is not the test's own (it runs as root in CI).
	group := os.Getgid() + 1
	if os.Geteuid() == 0 {
		group = 65534
	}
	if err := os.Chown(shared, -1, group); err != nil {
		t.Skipf("cannot give the directory another group: %v", err)
	}
	if err := os.Chmod(shared, 0o775|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	host, err := New(f.Conn, nil).Stat(ctx, shared)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := f.PlanMissingDirs(ctx, filepath.Join(shared, "sub"))
	if err != nil {
		t.Fatal(err)
	}
	v.Add("task.t@h1", facts...)
	fi, err := f.Stat(ctx, filepath.Join(shared, "sub"))
	if err != nil || fi.Mode&fs.ModeSetgid == 0 || fi.GID != host.GID || host.GID != group {
		t.Errorf("a directory made in a setgid directory: %+v, %v; want its group and the setgid bit", fi, err)
	}
}

func TestPlannedOwnerByNumberOrName(t *testing.T) {
	f, v, root := plannedFS(t)
	ctx := context.Background()
	p := filepath.Join(root, "owned")
	v.add(f.Plan(p, Planned{Kind: "file", Mode: 0o644, ModeSet: true, Owner: "0", Group: "root", UID: -1, GID: -1}))
	fi, err := f.Stat(ctx, p)
	if err != nil || fi.Owner != "root" || fi.UID != 0 || fi.Group != "root" || fi.GID != 0 {
		t.Errorf("Stat = %+v, %v; want both halves from the host's user database", fi, err)
	}
}

func TestViewErrorsReachTheReader(t *testing.T) {
	f, v, root := plannedFS(t)
	v.Err = &module.ConflictError{Key: Key(root), First: "task.a@h1", Second: "task.b@h1"}
	var conflict *module.ConflictError
	if _, err := f.Exists(context.Background(), root); !errors.As(err, &conflict) {
		t.Fatalf("err = %v, want the view's ConflictError", err)
	}
}

func TestKeys(t *testing.T) {
	for p, want := range map[string]string{"/": "file", "/srv/app/": "file/srv/app", "/srv//app": "file/srv/app"} {
		if got := Key(p); got != want {
			t.Errorf("Key(%q) = %q, want %q", p, got, want)
		}
		if back := PathOf(want); back != filepath.Clean(p) {
			t.Errorf("PathOf(%q) = %q", want, back)
		}
	}
	if !module.FactKeyAbove("file", "file/srv") || !module.FactKeyAbove("file/srv", "file/srv/app") || module.FactKeyAbove("file/srv", "file/srvx") {
		t.Error("FactKeyAbove")
	}
	for _, tt := range []struct {
		fact, key string
		want      bool
	}{
		{"file/srv", "file/srv/app", true},     // above
		{"file/srv/app", "file/srv/app", true}, // the key itself
		{"file/srv/app/x", "file/srv/app", false},
		{"file/srv/app/x", "file/srv/app/", true}, // under, when asked
		{"file/srv/appx", "file/srv/app/", false},
		{"unit", "unit/a.service", true},
	} {
		if got := module.FactAnswers(tt.fact, tt.key); got != tt.want {
			t.Errorf("FactAnswers(%q, %q) = %v", tt.fact, tt.key, got)
		}
	}
}
