package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// failingReader returns n bytes of content and then an error.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

func TestUpload(t *testing.T) {
	errBroken := errors.New("source broke")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		existing *string // content of dst before, nil for none
		ctx      context.Context
		src      io.Reader
		dst      string // relative to the temp dir
		mode     fs.FileMode
		wantErr  error  // errors.Is
		wantMsg  string // substring
		want     string // content after (when no error)
	}{
		{name: "new file", src: strings.NewReader("hello\n"), dst: "a.conf", mode: 0o640, want: "hello\n"},
		{name: "replace", existing: ptr("old"), src: strings.NewReader("new"), dst: "a.conf", mode: 0o600, want: "new"},
		{name: "empty source", existing: ptr("old"), src: strings.NewReader(""), dst: "a.conf", mode: 0o644, want: ""},
		{name: "nil source", src: nil, dst: "a.conf", mode: 0o644, want: ""},
		{name: "mode ignores umask", src: strings.NewReader("x"), dst: "a.sh", mode: 0o777, want: "x"},
		{name: "large", src: strings.NewReader(strings.Repeat("0123456789", 100000)), dst: "big", mode: 0o644, want: strings.Repeat("0123456789", 100000)},
		{
			name: "reader fails midway", existing: ptr("old"),
			src: &failingReader{n: 70000, err: errBroken}, dst: "a.conf", mode: 0o644,
			wantErr: errBroken, wantMsg: "upload",
		},
		{
			name: "cancelled", existing: ptr("old"), ctx: cancelled,
			src: strings.NewReader("new"), dst: "a.conf", mode: 0o644,
			wantErr: context.Canceled,
		},
		{
			name: "missing directory", src: strings.NewReader("x"), dst: "no/such/dir/f", mode: 0o644,
			wantErr: fs.ErrNotExist, wantMsg: "no/such/dir/f",
		},
	}
	c := New("h1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, tt.dst)
			if tt.existing != nil {
				if err := os.WriteFile(dst, []byte(*tt.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			err := c.Upload(ctx, tt.src, dst, tt.mode)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "host h1") {
					t.Errorf("err %q should contain %q and the host", err, tt.wantMsg)
				}
				// The old file (or its absence) is intact and nothing is left behind.
				got, rerr := os.ReadFile(dst)
				switch {
				case tt.existing == nil && !errors.Is(rerr, fs.ErrNotExist):
					t.Errorf("dst exists after a failed upload: %v", rerr)
				case tt.existing != nil && string(got) != *tt.existing:
					t.Errorf("dst = %q after a failed upload, want the old %q", got, *tt.existing)
				}
				assertOnly(t, dir, tt.existing != nil, tt.dst)
				return
			}
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("content = %.40q, want %.40q", got, tt.want)
			}
			fi, err := os.Stat(dst)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.mode {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.mode)
			}
			assertOnly(t, dir, true, tt.dst)
		})
	}
}

// assertOnly checks that dir holds exactly name (or nothing when !present):
// no temporary file is left behind.
func assertOnly(t *testing.T, dir string, present bool, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // the directory itself is missing: nothing left behind
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := 0
	if present {
		want = 1
	}
	if len(names) != want || (present && names[0] != name) {
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}

func ptr(s string) *string { return &s }

func TestDownload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("content\x00\xff"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		src     string
		want    string
		wantErr error
		wantMsg string
	}{
		{name: "file", src: file, want: "content\x00\xff"},
		{name: "missing", src: filepath.Join(dir, "nope"), wantErr: fs.ErrNotExist, wantMsg: "nope"},
		{name: "directory", src: dir, wantMsg: "is a directory"},
	}
	c := New("h1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := c.Download(context.Background(), tt.src, &buf)
			if tt.wantMsg != "" || tt.wantErr != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantMsg)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got %q, want %q", buf.String(), tt.want)
			}
		})
	}
}

func TestUploadKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	dst := filepath.Join(dir, "trove.conf")
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dst, 65534, 65533); err != nil {
		t.Fatal(err)
	}
	if err := New("h1").Upload(context.Background(), strings.NewReader("new"), dst, 0o640|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 65534 || st.Gid != 65533 {
		t.Errorf("owner = %d:%d, want 65534:65533 kept from the old file", st.Uid, st.Gid)
	}
	if fi.Mode() != 0o640|fs.ModeSetgid {
		t.Errorf("mode = %v, want setgid 0640", fi.Mode())
	}
}

func TestUploadReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	dst := filepath.Join(dir, "link")
	if err := os.WriteFile(target, []byte("target"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target", dst); err != nil {
		t.Fatal(err)
	}
	if err := New("h1").Upload(context.Background(), strings.NewReader("new"), dst, 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dst); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("dst = %v, %v; want a regular file", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "target" {
		t.Errorf("symlink target changed to %q", b)
	}
}

func BenchmarkUpload(b *testing.B) {
	dir := b.TempDir()
	data := bytes.Repeat([]byte("x"), 1<<20)
	c := New("bench")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := c.Upload(context.Background(), bytes.NewReader(data), filepath.Join(dir, "f"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
