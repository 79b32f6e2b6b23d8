package hostfs

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
)

// TestLabSSH runs Exists, Stat, Lstat and ReadFile against a real sshd host:
// the same argv that works locally must work after the SSH transport has
// quoted it for the remote shell, odd file names included.
func TestLabSSH(t *testing.T) {
	conn := labConn(t)
	dir := labDir(t, conn)
	odd := "odd; rm -rf $(x) 'name' *"
	script := `set -e; cd "$1"; printf 'hello\n' > file; chmod 640 file; printf x > "$2"; mkdir dir; ln -s file link; ln -s nowhere dangling; : > -n`
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"/bin/sh", "-c", script, "sh", dir, odd}})
	if err != nil || res.RC != 0 {
		t.Fatalf("setting up on the lab host: %v %+v", err, res)
	}
	ctx := context.Background()

	exists := map[string]bool{"file": true, odd: true, "dir": true, "link": true, "-n": true, "dangling": false, "missing": false}
	for name, want := range exists {
		got, err := New(conn, nil).Exists(ctx, path.Join(dir, name))
		if err != nil || got != want {
			t.Errorf("Exists(%q) = %v, %v; want %v", name, got, err, want)
		}
	}

	tests := []struct {
		name     string
		lstat    bool
		wantType string
		wantMode fs.FileMode
		wantSize int64
		wantLink string
	}{
		{name: "file", wantType: "file", wantMode: 0o640, wantSize: 6},
		{name: odd, wantType: "file", wantMode: 0o644, wantSize: 1},
		{name: "link", wantType: "file", wantMode: 0o640, wantSize: 6},
		{name: "link", lstat: true, wantType: "link", wantMode: fs.ModeSymlink | 0o777, wantSize: 4, wantLink: "file"},
		{name: "dir", wantType: "directory", wantMode: fs.ModeDir | 0o755, wantSize: -1},
	}
	for _, tt := range tests {
		p := path.Join(dir, tt.name)
		var fi *FileInfo
		if tt.lstat {
			fi, err = New(conn, nil).Lstat(ctx, p)
		} else {
			fi, err = New(conn, nil).Stat(ctx, p)
		}
		if err != nil {
			t.Errorf("stat %q: %v", tt.name, err)
			continue
		}
		if fi.Type() != tt.wantType || fi.Mode != tt.wantMode || (tt.wantSize >= 0 && fi.Size != tt.wantSize) || fi.LinkTarget != tt.wantLink {
			t.Errorf("stat %q (lstat %v) = %s %v size %d link %q; want %s %v size %d link %q",
				tt.name, tt.lstat, fi.Type(), fi.Mode, fi.Size, fi.LinkTarget, tt.wantType, tt.wantMode, tt.wantSize, tt.wantLink)
		}
		if fi.Owner != "rb" {
			t.Errorf("stat %q: owner %q, want rb", tt.name, fi.Owner)
		}
	}
	if _, err := New(conn, nil).Stat(ctx, path.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(missing) err = %v, want fs.ErrNotExist", err)
	}

	if b, err := New(conn, nil).ReadFile(ctx, path.Join(dir, "file")); err != nil || string(b) != "hello\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if _, err := New(conn, nil).ReadFile(ctx, path.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) err = %v, want fs.ErrNotExist", err)
	}
	var _ transport.Conn = conn
}
