package hostfs

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
)

// TestPrefetchThen runs the command only where the path does not exist,
// its directory does and every lookup found its name, keeps the probe's
// answers either way, and a big stdin the command never reads (the file
// exists) fails nothing on the local transport, which sends it at once.
func TestPrefetchThen(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there")
	if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 1<<20) // beyond any pipe buffer
	write := func(p string) *transport.Cmd {
		return &transport.Cmd{Argv: []string{"/bin/sh", "-c", `cat > "$1"; echo wrote`, "sh", p}, Stdin: bytes.NewReader(big)}
	}
	ctx := context.Background()
	cases := []struct {
		name, path string
		lookups    []Lookup
		ran        bool
	}{
		{"absent: runs", filepath.Join(dir, "new"), nil, true},
		{"exists: does not run", existing, nil, false},
		{"no directory: does not run", filepath.Join(dir, "no", "new"), nil, false},
		{"unknown owner: does not run", filepath.Join(dir, "new2"), []Lookup{{DB: "passwd", Name: "rb-no-such-user"}}, false},
		{"dangling link: does not run", filepath.Join(dir, "link"), nil, false},
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		f := New(local.New("h1"), nil)
		f.WillLookUp(c.lookups...)
		res, err := f.PrefetchThen(ctx, c.path, true, write(c.path))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ran := res != nil; ran != c.ran {
			t.Fatalf("%s: ran %v, want %v", c.name, ran, c.ran)
		}
		if c.ran && (res.RC != 0 || string(res.Stdout) != "wrote\n") {
			t.Errorf("%s: result %+v, want the command's own output", c.name, res)
		}
		_, statErr := os.Stat(c.path)
		if c.ran != (statErr == nil) && c.path != existing {
			t.Errorf("%s: the file exists: %v, want %v", c.name, statErr == nil, c.ran)
		}
		// The probe's answers are kept: no second command.
		f.Conn = noConn{}
		if _, err := f.Lstat(ctx, c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: the probe's answer was not kept: %v", c.name, err)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "old\n" {
		t.Errorf("the existing file changed: %q", b)
	}
}
