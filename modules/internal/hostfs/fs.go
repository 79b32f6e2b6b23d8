package hostfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// FS is a host's file system as a module reads it: the host itself
// through its Conn and, in a check, the changes that the instances a plan
// depends on would make, laid over it (View). Plans and applies read
// through an FS; in Apply (and in a run) View is nil and every answer is
// the host's.
type FS struct {
	Conn transport.Conn
	View module.View

	once sync.Once
	id   *identity
	pr   probes
}

// New returns the FS of a connection, with view laid over it (nil: the
// host as it is).
func New(conn transport.Conn, view module.View) *FS { return &FS{Conn: conn, View: view} }

// For returns the FS a module's request reads: its host and its view.
func For(req *module.Request) *FS { return New(req.Conn, req.View) }

func (f *FS) ident() *identity {
	f.once.Do(func() { f.id = &identity{conn: f.Conn} })
	return f.id
}

// maxLinks bounds how many planned symlinks Stat follows.
const maxLinks = 40

// Exists reports whether path exists, following symlinks (a dangling
// symlink does not exist), as `test -e` does.
func (f *FS) Exists(ctx context.Context, p string) (bool, error) {
	s, err := f.resolve(ctx, p)
	switch {
	case err != nil:
		return false, err
	case s == nil:
		return f.hostExists(ctx, p)
	case s.absent:
		return false, nil
	case s.unknown != nil && s.st.Kind == "":
		return true, nil
	case s.unknown != nil:
		return false, module.NotYet(s.unknown)
	case s.st.Kind == "link":
		_, err := f.Stat(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	return true, nil
}

// Stat describes path, following symlinks. A missing path is an error
// wrapping fs.ErrNotExist.
func (f *FS) Stat(ctx context.Context, p string) (*FileInfo, error) {
	if f.View == nil {
		return f.hostStat(ctx, p)
	}
	for range maxLinks {
		fi, err := f.Lstat(ctx, p)
		if err != nil {
			return nil, err
		}
		if fi.Mode&fs.ModeSymlink == 0 {
			return fi, nil
		}
		if !fi.Planned {
			// A link on the host: the host follows it, unless what it
			// names is planned.
			real, err := f.RealPath(ctx, p)
			if err != nil {
				return nil, err
			}
			if s, err := f.resolve(ctx, real); err != nil || s == nil {
				if err != nil {
					return nil, err
				}
				return f.hostStat(ctx, p)
			}
			p = real
			continue
		}
		p = linkTarget(p, fi.LinkTarget)
	}
	return nil, fmt.Errorf("stat %s: too many levels of symbolic links", p)
}

func linkTarget(p, target string) string {
	if path.IsAbs(target) {
		return path.Clean(target)
	}
	return path.Join(path.Dir(p), target)
}

// Lstat describes path itself: a symlink is reported as a link, with its
// target in LinkTarget. A missing path is an error wrapping fs.ErrNotExist.
func (f *FS) Lstat(ctx context.Context, p string) (*FileInfo, error) {
	s, err := f.resolve(ctx, p)
	switch {
	case err != nil:
		return nil, err
	case s == nil:
		return f.hostLstat(ctx, p)
	case s.absent:
		return nil, fmt.Errorf("stat %s: %w", p, fs.ErrNotExist)
	case s.unknown != nil:
		return nil, module.NotYet(s.unknown)
	}
	return f.info(ctx, p, s)
}

// ReadFile returns the content of the file at path. A missing file is an
// error wrapping fs.ErrNotExist.
func (f *FS) ReadFile(ctx context.Context, p string) ([]byte, error) {
	if f.View == nil {
		return f.hostReadFile(ctx, p)
	}
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return nil, err
	}
	if !fi.Planned {
		return f.hostReadFile(ctx, fi.Path) // where the links lead
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("read %s: is a directory", p)
	}
	s, err := f.resolve(ctx, fi.Path)
	if err != nil {
		return nil, err
	}
	if s.hostContent {
		return f.hostReadFile(ctx, fi.Path)
	}
	return s.content, nil
}

// Checksum is the sha256 (hex) of the file at path: of its planned
// content, or computed on the host (sha256sum).
func (f *FS) Checksum(ctx context.Context, p string) (string, error) {
	if f.View == nil {
		return f.hostChecksum(ctx, p)
	}
	fi, err := f.Stat(ctx, p)
	if err == nil && fi.Planned {
		b, err := f.ReadFile(ctx, p)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:]), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return f.hostChecksum(ctx, p)
}

// hostChecksum is the sha256 of the host's file at p: of the content a
// probe brought already, else computed there.
func (f *FS) hostChecksum(ctx context.Context, p string) (string, error) {
	if a, ok := f.pr.get("content", path.Clean(p)); ok && a.err == nil {
		sum := sha256.Sum256(a.b)
		return hex.EncodeToString(sum[:]), nil
	}
	return remoteChecksum(ctx, f.Conn, p)
}

// RealPath is path with every symlink in it resolved, as `readlink -m`
// does (a missing last part is kept): where a write to path lands.
func (f *FS) RealPath(ctx context.Context, p string) (string, error) {
	p = path.Clean(p)
	for range maxLinks {
		s, err := f.resolve(ctx, p)
		if err != nil {
			return "", err
		}
		if s == nil {
			return f.hostRealPath(ctx, p)
		}
		if s.unknown != nil {
			return "", module.NotYet(s.unknown)
		}
		if s.absent || s.st.Kind != "link" {
			return p, nil
		}
		p = linkTarget(p, s.st.Target)
	}
	return "", fmt.Errorf("resolving %s: too many levels of symbolic links", p)
}

// remoteChecksum is the sha256 of the file at p on the host, computed
// there (sha256sum).
func remoteChecksum(ctx context.Context, conn transport.Conn, p string) (string, error) {
	argv := []string{"sha256sum", "--", p}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return "", err
	}
	if res.RC != 0 {
		msg := string(res.Stderr)
		switch {
		case strings.Contains(msg, "No such file"):
			return "", fmt.Errorf("checksum of %s: %w", p, fs.ErrNotExist)
		case strings.Contains(msg, "Permission denied"):
			return "", fmt.Errorf("checksum of %s: %w", p, fs.ErrPermission)
		}
		return "", &module.CommandError{Argv: argv, RC: res.RC, Stderr: msg, Msg: "checksum of " + p}
	}
	sum, _, _ := strings.Cut(string(res.Stdout), " ")
	if len(sum) != 64 {
		return "", fmt.Errorf("checksum of %s: unexpected sha256sum output %q", p, res.Stdout)
	}
	return sum, nil
}

// realPath resolves p on the host with readlink -m.
func realPath(ctx context.Context, conn transport.Conn, p string) (string, error) {
	argv := []string{"readlink", "-m", "--", p}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Env: cLocale})
	if err != nil {
		return "", err
	}
	if res.RC != 0 {
		return "", &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: "resolving link " + p}
	}
	return strings.TrimSuffix(string(res.Stdout), "\n"), nil
}
