package local

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Upload writes src to dst with mode, atomically: the content goes to a
// temporary file in dst's directory, which is chmod-ed, synced and then
// renamed over dst. On any error (including a failing src or a cancelled
// ctx) the temporary file is removed and an existing dst is left as it was.
// dst's directory must exist.
//
// When dst already exists, its owner and group carry over to the new file
// where this process may set them (as root, always), so replacing
// root:trove 0640 keeps the group. A symlink at dst is replaced, not
// followed.
func (c *Conn) Upload(ctx context.Context, src io.Reader, dst string, mode fs.FileMode) (err error) {
	if c.closed.Load() {
		return fmt.Errorf("host %s: %w", c.name, errClosed)
	}
	if dst == "" {
		return fmt.Errorf("host %s: upload: empty destination path", c.name)
	}
	if src == nil {
		src = eofReader{}
	}
	dir, base := filepath.Split(dst)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".runbook-*")
	if err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, &ctxReader{ctx: ctx, r: src}); err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	perm := mode.Perm() | mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	if old, serr := os.Lstat(dst); serr == nil && old.Mode().IsRegular() {
		if st, ok := old.Sys().(*syscall.Stat_t); ok {
			// Best effort: without the right to chown, the new file is
			// simply ours, as any newly written file would be.
			_ = tmp.Chown(int(st.Uid), int(st.Gid))
			// chown clears setuid/setgid bits: set the mode again.
			if err = tmp.Chmod(perm); err != nil {
				return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
			}
		}
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("host %s: upload %s: %w", c.name, dst, err)
	}
	syncDir(dir)
	return nil
}

// Download copies the file src into dst.
func (c *Conn) Download(ctx context.Context, src string, dst io.Writer) error {
	if c.closed.Load() {
		return fmt.Errorf("host %s: %w", c.name, errClosed)
	}
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("host %s: download: %w", c.name, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("host %s: download %s: is a directory", c.name, src)
	}
	if _, err := io.Copy(dst, &ctxReader{ctx: ctx, r: f}); err != nil {
		return fmt.Errorf("host %s: download %s: %w", c.name, src, err)
	}
	return nil
}

// syncDir makes a rename durable; failure only costs durability, so it is
// not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
