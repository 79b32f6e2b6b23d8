package hostfs

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
)

// tree makes a small file tree in a temp dir and returns its root.
func tree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(root, "file"), []byte("hello\n"), 0o640))
	must(os.Chmod(filepath.Join(root, "file"), 0o640))
	must(os.WriteFile(filepath.Join(root, "odd; rm -rf $(x) name"), []byte("x"), 0o600))
	must(os.WriteFile(filepath.Join(root, "-n"), nil, 0o600))
	must(os.Mkdir(filepath.Join(root, "dir"), 0o755))
	must(os.Chmod(filepath.Join(root, "dir"), 0o755|fs.ModeSticky))
	must(os.Symlink("file", filepath.Join(root, "link")))
	must(os.Symlink("nowhere", filepath.Join(root, "dangling")))
	must(syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	return root
}

func TestExists(t *testing.T) {
	root := tree(t)
	tests := []struct {
		path string
		want bool
	}{
		{"file", true},
		{"dir", true},
		{"link", true},
		{"fifo", true},
		{"odd; rm -rf $(x) name", true},
		{"-n", true},
		{"dangling", false},
		{"missing", false},
		{"file/below-a-file", false},
	}
	conn := local.New("h1")
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := New(conn, nil).Exists(context.Background(), filepath.Join(root, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Exists = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStat(t *testing.T) {
	root := tree(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	gid := os.Getgid()
	grp, err := user.LookupGroupId(strconv.Itoa(gid))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		lstat    bool
		wantMode fs.FileMode
		wantType string
		wantSize int64
		wantLink string
		wantErr  error
	}{
		{name: "file", path: "file", wantMode: 0o640, wantType: "file", wantSize: 6},
		{name: "dir with sticky bit", path: "dir", wantMode: fs.ModeDir | fs.ModeSticky | 0o755, wantType: "directory", wantSize: -1},
		{name: "stat follows a link", path: "link", wantMode: 0o640, wantType: "file", wantSize: 6},
		{name: "lstat sees the link", path: "link", lstat: true, wantMode: fs.ModeSymlink | 0o777, wantType: "link", wantSize: 4, wantLink: "file"},
		{name: "lstat of a dangling link", path: "dangling", lstat: true, wantMode: fs.ModeSymlink | 0o777, wantType: "link", wantSize: 7, wantLink: "nowhere"},
		{name: "fifo", path: "fifo", wantMode: fs.ModeNamedPipe | 0o600, wantType: "fifo", wantSize: 0},
		{name: "odd name", path: "odd; rm -rf $(x) name", wantMode: 0o600, wantType: "file", wantSize: 1},
		{name: "name like an option", path: "-n", wantMode: 0o600, wantType: "file", wantSize: 0},
		{name: "missing", path: "missing", wantErr: fs.ErrNotExist},
		{name: "stat of a dangling link", path: "dangling", wantErr: fs.ErrNotExist},
		{name: "below a file", path: "file/x", wantErr: fs.ErrNotExist},
	}
	conn := local.New("h1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(root, tt.path)
			var fi *FileInfo
			var err error
			if tt.lstat {
				fi, err = New(conn, nil).Lstat(context.Background(), path)
			} else {
				fi, err = New(conn, nil).Stat(context.Background(), path)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), path) {
					t.Errorf("err %q does not name the path", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Compare with what Go itself sees.
			var ost os.FileInfo
			if tt.lstat {
				ost, err = os.Lstat(path)
			} else {
				ost, err = os.Stat(path)
			}
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode != tt.wantMode || fi.Mode != ost.Mode() {
				t.Errorf("Mode = %v, want %v (os says %v)", fi.Mode, tt.wantMode, ost.Mode())
			}
			if got := fi.Type(); got != tt.wantType {
				t.Errorf("Type = %q, want %q", got, tt.wantType)
			}
			if fi.IsDir() != (tt.wantType == "directory") {
				t.Errorf("IsDir = %v", fi.IsDir())
			}
			if tt.wantSize >= 0 && fi.Size != tt.wantSize {
				t.Errorf("Size = %d, want %d", fi.Size, tt.wantSize)
			}
			if fi.LinkTarget != tt.wantLink {
				t.Errorf("LinkTarget = %q, want %q", fi.LinkTarget, tt.wantLink)
			}
			if fi.Owner != me.Username || strconv.Itoa(fi.UID) != me.Uid {
				t.Errorf("owner = %s(%d), want %s(%s)", fi.Owner, fi.UID, me.Username, me.Uid)
			}
			if fi.Group != grp.Name || fi.GID != gid {
				t.Errorf("group = %s(%d), want %s(%d)", fi.Group, fi.GID, grp.Name, gid)
			}
			if !fi.ModTime.Equal(ost.ModTime().Truncate(time.Second)) {
				t.Errorf("ModTime = %v, want %v", fi.ModTime, ost.ModTime().Truncate(time.Second))
			}
			if fi.Path != path {
				t.Errorf("Path = %q", fi.Path)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	root := tree(t)
	conn := local.New("h1")
	got, err := New(conn, nil).ReadFile(context.Background(), filepath.Join(root, "file"))
	if err != nil || string(got) != "hello\n" {
		t.Errorf("ReadFile = %q, %v; want %q", got, err, "hello\n")
	}
	_, err = New(conn, nil).ReadFile(context.Background(), filepath.Join(root, "missing"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: err = %v, want fs.ErrNotExist", err)
	}
}

// fakeConn answers every Exec with one canned result or error.
type fakeConn struct {
	res  *transport.Result
	err  error
	argv [][]string
}

func (f *fakeConn) Exec(_ context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	f.argv = append(f.argv, cmd.Argv)
	return f.res, f.err
}
func (f *fakeConn) Upload(context.Context, io.Reader, string, fs.FileMode) error { return nil }
func (f *fakeConn) Download(context.Context, string, io.Writer) error            { return f.err }
func (f *fakeConn) Close() error                                                 { return nil }

// probeReply is what the probe script prints: lstat, link target, stat
// -L, readlink -m and the directory's stat -L (each "0..." or "1..."),
// then tail ("N", or "C" + content).
func probeReply(lstat, link, stat, real, dir, tail string) []byte {
	return []byte(lstat + "\x00" + link + "\x00" + stat + "\x00" + real + "\x00" + dir + "\x00" + tail)
}

func TestErrors(t *testing.T) {
	unreachable := &transport.UnreachableError{Host: "h9", Err: errors.New("connection reset")}
	okDir := "041ed\t0\t0\troot\troot\t4096\t1700000000"
	tests := []struct {
		name    string
		conn    *fakeConn
		call    func(transport.Conn) error
		wantMsg string
		wantRC  int // > 0: a *module.CommandError with this RC
		wantIs  error
	}{
		{
			name:    "probe fails oddly",
			conn:    &fakeConn{res: &transport.Result{RC: 2, Stderr: []byte("sh: syntax error\n")}},
			call:    func(c transport.Conn) error { _, err := New(c, nil).Exists(context.Background(), "/x"); return err },
			wantMsg: "looking at /x: exit status 2: sh: syntax error", wantRC: 2,
		},
		{
			name:   "unreachable passes through",
			conn:   &fakeConn{err: unreachable},
			call:   func(c transport.Conn) error { _, err := New(c, nil).Exists(context.Background(), "/x"); return err },
			wantIs: unreachable, wantMsg: "host h9 unreachable",
		},
		{
			name: "stat permission denied",
			conn: &fakeConn{res: &transport.Result{Stdout: probeReply("1stat: cannot statx '/root/x': Permission denied", "0",
				"1stat: cannot statx '/root/x': Permission denied", "0/root/x", "1stat: cannot statx '/root': Permission denied", "N")}},
			call:    func(c transport.Conn) error { _, err := New(c, nil).Stat(context.Background(), "/root/x"); return err },
			wantIs:  fs.ErrPermission,
			wantMsg: "stat /root/x",
		},
		{
			name:    "stat other failure",
			conn:    &fakeConn{res: &transport.Result{Stdout: probeReply("1stat: invalid option", "0", "1stat: invalid option", "0/x", "0"+okDir, "N")}},
			call:    func(c transport.Conn) error { _, err := New(c, nil).Stat(context.Background(), "/x"); return err },
			wantMsg: "stat /x: exit status 1: stat: invalid option", wantRC: 1,
		},
		{
			name:    "stat output not understood",
			conn:    &fakeConn{res: &transport.Result{Stdout: probeReply("081a4 0 0 root root 6 1700000000", "0", "081a4 0 0 root root 6 1700000000", "0/x", "0"+okDir, "N")}},
			call:    func(c transport.Conn) error { _, err := New(c, nil).Stat(context.Background(), "/x"); return err },
			wantMsg: "stat /x: unexpected output",
		},
		{
			name:    "stat numbers not understood",
			conn:    &fakeConn{res: &transport.Result{Stdout: probeReply("0zz\t0\t0\troot\troot\t6\t1700000000", "0", "0zz\t0\t0\troot\troot\t6\t1700000000", "0/x", "0"+okDir, "N")}},
			call:    func(c transport.Conn) error { _, err := New(c, nil).Stat(context.Background(), "/x"); return err },
			wantMsg: "stat /x: unexpected output",
		},
		{
			name:    "probe output cut short",
			conn:    &fakeConn{res: &transport.Result{RC: 0, Stdout: []byte("0")}},
			call:    func(c transport.Conn) error { _, err := New(c, nil).Lstat(context.Background(), "/x"); return err },
			wantMsg: "looking at /x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(tt.conn)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantMsg)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			if tt.wantRC > 0 {
				var ce *module.CommandError
				if !errors.As(err, &ce) || ce.RC != tt.wantRC {
					t.Errorf("err = %#v, want a CommandError with RC %d", err, tt.wantRC)
				}
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	fi, err := parseStat("/dev/null", []byte("21b6\t0\t0\troot\troot\t0\t1700000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Type() != "char" || fi.Mode != fs.ModeDevice|fs.ModeCharDevice|0o666 {
		t.Errorf("mode %v type %s, want a char device 0666", fi.Mode, fi.Type())
	}
	fi, err = parseStat("/usr/bin/passwd", []byte("89ed\t0\t0\troot\troot\t68248\t1700000000\n"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode != fs.ModeSetuid|0o755 {
		t.Errorf("mode %v, want setuid 0755", fi.Mode)
	}
}

// TestReadFileMissingThroughOpaqueError: when the probe could not read a
// file (cat failed), ReadFile falls back to the transport's Download; a
// file the probe found missing is fs.ErrNotExist without asking, and one
// that exists keeps the transport's message.
func TestReadFileMissingThroughOpaqueError(t *testing.T) {
	file := "081a4\t0\t0\troot\troot\t6\t1700000000"
	dir := "041ed\t0\t0\troot\troot\t4096\t1700000000"
	missing := "1stat: cannot statx '/etc/x': No such file or directory"
	tests := []struct {
		name       string
		res        *transport.Result
		wantNotExt bool
		wantMsg    string
	}{
		{name: "file absent", res: &transport.Result{Stdout: probeReply(missing, "0", missing, "0/etc/x", "0"+dir, "N")},
			wantNotExt: true, wantMsg: "file does not exist"},
		{name: "file present but unreadable", res: &transport.Result{RC: 1, Stdout: probeReply("0"+file, "0", "0"+file, "0/etc/x", "0"+dir, "C")},
			wantMsg: "exit status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &fakeConn{res: tt.res}
			opaque := &opaqueDownload{fakeConn: conn}
			_, err := New(opaque, nil).ReadFile(context.Background(), "/etc/x")
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, fs.ErrNotExist) != tt.wantNotExt {
				t.Errorf("err = %v; errors.Is(fs.ErrNotExist) = %v, want %v", err, !tt.wantNotExt, tt.wantNotExt)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v, want %q", err, tt.wantMsg)
			}
			if len(conn.argv) != 1 {
				t.Errorf("%d commands, want 1 (the probe)", len(conn.argv))
			}
		})
	}
}

type opaqueDownload struct{ *fakeConn }

func (o *opaqueDownload) Download(context.Context, string, io.Writer) error {
	return errors.New("reading /etc/x as root failed: exit status 1")
}
