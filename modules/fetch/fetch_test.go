package fetch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

func TestLocalPath(t *testing.T) {
	tests := []struct {
		src, dest, host string
		flat            bool
		want, err       string
	}{
		{"/etc/trove/trove.conf", "backups", "ctl1", false, "backups/ctl1/etc/trove/trove.conf", ""},
		{"/etc/../etc/x", "b/", "ctl1", false, "b/ctl1/etc/x", ""},
		{"/etc/trove/trove.conf", "out/t.conf", "ctl1", true, "out/t.conf", ""},
		{"/etc/trove/trove.conf", "out/", "ctl1", true, "out/trove.conf", ""},
		{"/x", "b", "../evil", false, "", "cannot be a directory name"},
	}
	for _, tt := range tests {
		got, err := localPath(tt.src, tt.dest, tt.host, tt.flat)
		if (err != nil) != (tt.err != "") || (err != nil && !strings.Contains(err.Error(), tt.err)) || got != tt.want {
			t.Errorf("localPath(%q, %q, %q, %v) = %q, %v; want %q, %q", tt.src, tt.dest, tt.host, tt.flat, got, err, tt.want, tt.err)
		}
	}
}

func TestFetch(t *testing.T) {
	remote := t.TempDir()
	src := filepath.Join(remote, "trove.conf")
	if err := os.WriteFile(src, []byte("[DEFAULT]\ndebug = true\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	ctl := t.TempDir()
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "`+src+`"
dest = "`+ctl+`/backups"`), local.New("ctl1"), "ctl1")
	want := filepath.Join(ctl, "backups", "ctl1", src)

	before := fdtest.Snapshot(t, ctl)
	p := moduletest.Plan(t, m, req)
	if p.Err != nil || p.Action != module.Change || p.Reason != "would fetch "+src+" to "+want {
		t.Fatalf("plan %v %q %v", p.Action, p.Reason, p.Err)
	}
	if got := fdtest.Render(p.Diff); !strings.HasPrefix(got, "+ control node file "+want+": (23 bytes, sha256 ") {
		t.Errorf("diff %q", got)
	}
	if fdtest.Snapshot(t, ctl) != before {
		t.Fatal("the plan wrote on the control node")
	}
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("apply %+v", a)
	}
	b, err := os.ReadFile(want)
	if err != nil || string(b) != "[DEFAULT]\ndebug = true\n" {
		t.Fatalf("fetched %q %v", b, err)
	}
	if fi, _ := os.Stat(want); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
	if a.Outputs.GetAttr("checksum").AsString() != filediff.Checksum(b) || a.Outputs.GetAttr("dest").AsString() != want {
		t.Errorf("outputs %#v", a.Outputs)
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp || again.Reason != want+" is up to date" {
		t.Errorf("second plan %v %q", again.Action, again.Reason)
	}
	// The host's file changes: the local copy is replaced, keeping its mode.
	if err := os.Chmod(want, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte("[DEFAULT]\ndebug = false\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	p, a = moduletest.Run(t, m, req)
	if p.Action != module.Change || !strings.HasPrefix(p.Reason, "would replace ") || a == nil || a.Err != nil {
		t.Fatalf("plan %v %q, apply %+v", p.Action, p.Reason, a)
	}
	if b, _ := os.ReadFile(want); string(b) != "[DEFAULT]\ndebug = false\n" {
		t.Errorf("fetched %q", b)
	}
	if fi, _ := os.Stat(want); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 kept", fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Dir(want) + "/.*runbook*"); len(left) > 0 {
		t.Errorf("left behind %v", left)
	}
}

func TestFlatIntoDirectory(t *testing.T) {
	remote, ctl := t.TempDir(), t.TempDir()
	src := filepath.Join(remote, "a.log")
	if err := os.WriteFile(src, []byte("log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "`+src+`"
dest = "`+ctl+`/logs/"
flat = true`), local.New("h1"), "")
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	if b, _ := os.ReadFile(ctl + "/logs/a.log"); string(b) != "log\n" {
		t.Errorf("fetched %q", b)
	}
}

func TestErrors(t *testing.T) {
	remote, ctl := t.TempDir(), t.TempDir()
	if err := os.WriteFile(remote+"/f", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(ctl+"/isdir", 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, src, want string }{
		{"missing", `src = "` + remote + `/nope"` + "\ndest = \"" + ctl + "\"", remote + "/nope does not exist on host localhost"},
		{"directory", `src = "` + remote + `"` + "\ndest = \"" + ctl + "\"", "is a directory on host localhost"},
		{"relative src", `src = "f"` + "\ndest = \"" + ctl + "\"", `src must be an absolute path: "f" is not absolute`},
		{"dest is a directory", `src = "` + remote + `/f"` + "\ndest = \"" + ctl + "/isdir\"\nflat = true", "dest " + ctl + "/isdir is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, tt.src), local.New("h1"), "")
			before := fdtest.Snapshot(t, ctl)
			p, a := moduletest.Run(t, m, req)
			if p.Err == nil || !strings.Contains(p.Err.Error(), tt.want) || a != nil {
				t.Errorf("plan err %v, want %q", p.Err, tt.want)
			}
			if ar := m.Apply(context.Background(), &module.ApplyRequest{Request: req}); ar.Err == nil {
				t.Error("apply alone did not fail")
			}
			if fdtest.Snapshot(t, ctl) != before {
				t.Error("the control node changed")
			}
		})
	}
}

func TestSchemaDoc(t *testing.T) {
	fdtest.CheckExample(t, New(), Name)
}

// TestFetchPlannedSrc: in a check, a src that a task before this one
// would write is compared as written; one a command would make (what it
// holds unknown) is a change when there is no local copy, and cannot be
// predicted when there is one.
func TestFetchPlannedSrc(t *testing.T) {
	remote, ctl := t.TempDir(), t.TempDir()
	src := filepath.Join(remote, "dump.sql")
	m := New()
	conn := local.New("ctl1")
	req := moduletest.Request(moduletest.Args(t, m, `src = "`+src+`"
dest = "`+ctl+`/"
flat = true`), conn, "ctl1")
	want := filepath.Join(ctl, "dump.sql")
	fsys := hostfs.New(conn, nil)

	v := &moduletest.View{}
	v.Add("task.dump@ctl1", fsys.Plan(src, hostfs.Planned{Kind: "file", Content: []byte("rows\n"), Mode: 0o600, ModeSet: true, UID: -1, GID: -1}))
	req.View = v
	p := moduletest.Plan(t, m, req)
	if p.Err != nil || p.Action != module.Change || !strings.HasPrefix(fdtest.Render(p.Diff), "+ control node file "+want+": (5 bytes, sha256 ") {
		t.Fatalf("planned content: %v %v %q", p.Err, p.Action, fdtest.Render(p.Diff))
	}

	v = &moduletest.View{}
	v.Add("task.dump@ctl1", fsys.PlanSomething(src))
	req.View = v
	p = moduletest.Plan(t, m, req)
	if p.Err != nil || p.Action != module.Change || !strings.Contains(p.Reason, "known after apply") || p.Outputs.GetAttr("checksum").IsKnown() {
		t.Fatalf("something, no local copy: %v %v %q %#v", p.Err, p.Action, p.Reason, p.Outputs)
	}
	if err := os.WriteFile(want, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = moduletest.Plan(t, m, req)
	if !module.IsNotYet(p.Err) || !strings.Contains(p.Err.Error(), "known only after task.dump@ctl1") {
		t.Fatalf("something, a local copy: %v %v", p.Err, p.Action)
	}
}
