package filediff

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want fs.FileMode
		err  string
	}{
		{"0644", 0o644, ""},
		{"644", 0o644, ""},
		{"2775", fs.ModeSetgid | 0o775, ""},
		{"4755", fs.ModeSetuid | 0o755, ""},
		{"1777", fs.ModeSticky | 0o777, ""},
		{"64", 0, "3 or 4 octal digits"},
		{"0648", 0, "not an octal number"},
		{"u+rw", 0, "not an octal number"},
		{"10644", 0, "3 or 4 octal digits"},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if (err != nil) != (tt.err != "") || (err != nil && !strings.Contains(err.Error(), tt.err)) || got != tt.want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, %q", tt.in, got, err, tt.want, tt.err)
		}
		if want := fmt.Sprintf("%04s", tt.in); err == nil && FormatMode(got) != want {
			t.Errorf("FormatMode(%v) = %s, want %s", got, FormatMode(got), want)
		}
	}
}

func TestUnified(t *testing.T) {
	got := Unified("/etc/x", []byte("a\nb\n"), []byte("a\nc"), false)
	want := "--- /etc/x (before)\n+++ /etc/x (after)\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Unified("/etc/x", nil, []byte("new\n"), true); got != "--- /dev/null\n+++ /etc/x (after)\n@@ -0,0 +1 @@\n+new\n" {
		t.Errorf("created: %q", got)
	}
}

// failConn lets a test make the write (the command that streams the new
// content) fail, as a full disk or a broken connection does.
type failConn struct {
	transport.Conn
	upload error
	staged string // the staging file the write was asked to make
}

func (c *failConn) Exec(ctx context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	if len(cmd.Argv) > 4 && cmd.Argv[2] == writeScript {
		c.staged = cmd.Argv[4]
		if c.upload != nil {
			return nil, c.upload
		}
	}
	return c.Conn.Exec(ctx, cmd)
}

// TestApplyFailures: when writing fails at any step, the old file is as
// it was and no staged file is left.
func TestApplyFailures(t *testing.T) {
	tests := []struct {
		name   string
		upload error
		attrs  Attrs
		want   string
	}{
		{name: "upload fails", upload: errors.New("disk full"), want: "disk full"},
		{name: "chown fails", attrs: Attrs{Owner: "rb-no-such-user"}, want: "putting the new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "trove.conf")
			if err := os.WriteFile(p, []byte("old\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			conn := &failConn{Conn: local.New("h1"), upload: tt.upload}
			cur, err := Read(context.Background(), hostfs.New(conn, nil), p, true)
			if err != nil {
				t.Fatal(err)
			}
			attrs := tt.attrs
			attrs.Backup = true
			ch := Compare(cur, []byte("new\n"), attrs, false)
			_, err = ch.Apply(context.Background(), conn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if b, _ := os.ReadFile(p); string(b) != "old\n" {
				t.Errorf("the old file holds %q", b)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("left in the directory: %v", entries)
			}
			if !strings.HasPrefix(filepath.Base(conn.staged), ".trove.conf.runbook-") {
				t.Errorf("staged at %s, want a hidden file next to the destination", conn.staged)
			}
		})
	}
}

func TestReadKinds(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	conn := local.New("h1")
	if _, err := Read(context.Background(), hostfs.New(conn, nil), filepath.Join(dir, "d"), true); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	if _, err := Read(context.Background(), hostfs.New(conn, nil), "/dev/null", true); err == nil || !strings.Contains(err.Error(), "is a char, not a regular file") {
		t.Errorf("device: %v", err)
	}
	cur, err := Read(context.Background(), hostfs.New(conn, nil), filepath.Join(dir, "dangling"), true)
	if err != nil || cur.Exists() || cur.Real != filepath.Join(dir, "nowhere") {
		t.Errorf("dangling link: %+v %v (a write creates its target)", cur, err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		validate []string
		want     string // error substring; "" for success
	}{
		{name: "passes", validate: []string{"grep", "-q", "^new$", "%s"}},
		{name: "fails", validate: []string{"sh", "-c", `echo "line 1: bad" >&2; exit 1`, "sh", "%s"},
			want: "the new %D/sudoers failed validation (sh -c echo \"line 1: bad\" >&2; exit 1 sh NEW-FILE); the old file was kept: exit status 1: line 1: bad"},
		{name: "stdout when stderr is empty", validate: []string{"sh", "-c", `echo "parse error in $1"; exit 1`, "sh", "%s"}, want: "parse error in %D/.sudoers.runbook-"},
		{name: "missing program", validate: []string{"/nonexistent/visudo", "-cf", "%s"}, want: "validating the new %D/sudoers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "sudoers")
			if err := os.WriteFile(p, []byte("old\n"), 0o440); err != nil {
				t.Fatal(err)
			}
			conn := local.New("h1")
			cur, err := Read(context.Background(), hostfs.New(conn, nil), p, true)
			if err != nil {
				t.Fatal(err)
			}
			ch := Compare(cur, []byte("new\n"), Attrs{Validate: tt.validate, Backup: true}, false)
			_, err = ch.Apply(context.Background(), conn)
			b, _ := os.ReadFile(p)
			entries, _ := os.ReadDir(dir)
			if tt.want == "" {
				if err != nil || string(b) != "new\n" || len(entries) != 2 {
					t.Errorf("err %v, file %q, entries %v (want the new file and its backup)", err, b, entries)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(tt.want, "%D", dir)) {
				t.Errorf("err = %v, want %q", err, strings.ReplaceAll(tt.want, "%D", dir))
			}
			if string(b) != "old\n" || len(entries) != 1 {
				t.Errorf("file %q, entries %v: the old file must stay alone", b, entries)
			}
		})
	}
}

// TestChangePlanned: the fact a change leaves is the file after it: the
// new content, the asked mode and owner, else the old file's, else a new
// file's defaults; an owner or mode change alone keeps the content.
func TestChangePlanned(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	if err := os.WriteFile(old, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys := hostfs.New(local.New("h1"), nil)
	ctx := context.Background()
	planned := func(p string, content string, attrs Attrs) hostfs.Planned {
		t.Helper()
		cur, err := Read(ctx, fsys, p, true)
		if err != nil {
			t.Fatal(err)
		}
		facts := Compare(cur, []byte(content), attrs, false).Planned(fsys)
		if len(facts) != 1 || facts[0].Key != hostfs.Key(p) {
			t.Fatalf("facts %v", facts)
		}
		return facts[0].Value.(hostfs.Planned)
	}
	st := planned(filepath.Join(dir, "new"), "new\n", Attrs{})
	if st.Kind != "file" || string(st.Content) != "new\n" || st.Mode != DefaultMode || !st.ModeSet || st.Owner != "" || st.UID != -1 {
		t.Errorf("new file: %+v", st)
	}
	st = planned(old, "changed\n", Attrs{})
	if string(st.Content) != "changed\n" || st.Mode != 0o600 || st.UID != os.Getuid() || st.GID != os.Getgid() {
		t.Errorf("changed file keeps mode and owner: %+v", st)
	}
	mode := fs.FileMode(0o640)
	st = planned(old, "old\n", Attrs{Mode: &mode, Owner: "root"})
	if !st.KeepContent || st.Content != nil || st.Mode != 0o640 || st.Owner != "root" {
		t.Errorf("mode and owner only: %+v", st)
	}
	cur, _ := Read(ctx, fsys, old, true)
	if facts := Compare(cur, []byte("old\n"), Attrs{}, false).Planned(fsys); facts != nil {
		t.Errorf("no change, facts %v", facts)
	}
}
