package filediff

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// Current is a regular file as it is on the host, or its absence.
type Current struct {
	// Path is the path the task named; Real is where the content lives
	// (the final target when Path is a symlink, else Path).
	Path, Real string
	// Info is nil when the file does not exist.
	Info    *hostfs.FileInfo
	Content []byte
	// Checksum is the sha256 of a file too big to be read for a diff
	// (see ReadFor); Content is then nil.
	Checksum string
	// Big says the content was not read (see ReadFor).
	Big bool
}

// Exists reports whether the file exists.
func (c *Current) Exists() bool { return c.Info != nil }

// Read looks at the file at p through fsys (the host, or what the plans
// before this one would make of it): a symlink is followed to the
// file it names (which is where a write goes, so links stay links), a
// directory or a device is an error, a missing file is a Current without
// Info. withContent reads the content too.
func Read(ctx context.Context, fsys *hostfs.FS, p string, withContent bool) (*Current, error) {
	if !path.IsAbs(p) {
		return nil, fmt.Errorf("path %q must be absolute", p)
	}
	cur := &Current{Path: p, Real: p}
	// One command asks everything below (and the content): one round trip.
	if err := fsys.Prefetch(ctx, p, withContent); err != nil {
		return nil, err
	}
	fi, err := fsys.Lstat(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return cur, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.Mode&fs.ModeSymlink != 0 {
		real, err := fsys.RealPath(ctx, p)
		if err != nil {
			return nil, err
		}
		cur.Real = real
		fi, err = fsys.Lstat(ctx, real)
		if errors.Is(err, fs.ErrNotExist) {
			return cur, nil // a dangling link: the write creates its target
		}
		if err != nil {
			return nil, err
		}
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a file", p)
	}
	if !fi.Mode.IsRegular() {
		return nil, fmt.Errorf("%s is a %s, not a regular file", p, fi.Type())
	}
	cur.Info = fi
	if withContent {
		b, err := fsys.ReadFile(ctx, cur.Real)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", cur.Real, err)
		}
		cur.Content = b
	}
	return cur, nil
}

// ReadFor is Read for a module about to compare the file with want: a file
// bigger than a diff can show is not downloaded; only its size and, when
// that matches, its sha256 (sha256sum on the host) are looked at.
func ReadFor(ctx context.Context, fsys *hostfs.FS, p string, want []byte) (*Current, error) {
	// The probe brings the content of a file small enough for a diff
	// (hostfs.MaxProbeContent): one round trip in all.
	if err := fsys.Prefetch(ctx, p, len(want) <= maxDiffBytes); err != nil {
		return nil, err
	}
	cur, err := Read(ctx, fsys, p, false)
	if err != nil || !cur.Exists() {
		return cur, err
	}
	if cur.Info.Size <= maxDiffBytes && len(want) <= maxDiffBytes {
		b, err := fsys.ReadFile(ctx, cur.Real)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", cur.Real, err)
		}
		cur.Content = b
		return cur, nil
	}
	cur.Big = true
	if cur.Info.Size == int64(len(want)) {
		sum, err := fsys.Checksum(ctx, cur.Real)
		if err != nil {
			return nil, err
		}
		cur.Checksum = sum
	}
	return cur, nil
}

// CheckParent makes sure the directory a new file would go into exists,
// so a plan does not promise a file that cannot be written.
func CheckParent(ctx context.Context, fsys *hostfs.FS, p string) error {
	dir := path.Dir(p)
	fi, err := fsys.Stat(ctx, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return module.NotYet(fmt.Errorf("directory %s does not exist (create it first, e.g. with the file module and state = \"directory\")", dir))
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}
