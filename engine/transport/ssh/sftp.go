package ssh

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"

	"github.com/pkg/sftp"

	"github.com/runbook-dev/runbook/engine/transport"
)

// withSFTP runs f with the link's SFTP client (one per connection, started
// on first use). A dead link is re-dialed once. An error from f on a link
// that died meanwhile is an UnreachableError.
func (c *Conn) withSFTP(ctx context.Context, what string, f func(*sftp.Client) error) error {
	t := c.e.t
	var l *link
	var sc *sftp.Client
	for attempt := 0; ; attempt++ {
		var dialed bool
		var err error
		l, dialed, err = c.e.get(ctx)
		if err != nil {
			return err
		}
		sc, err = l.sftpClient()
		if err == nil {
			break
		}
		if !l.dead() && !dialed && attempt == 0 {
			l.kill(fmt.Errorf("starting sftp: %w", err))
		}
		if attempt > 0 || dialed {
			if l.dead() {
				return unreachable(t, "%s: starting sftp: %v", what, l.err)
			}
			return fmt.Errorf("host %s: %s: starting sftp: %w", t.name, what, err)
		}
	}
	err := f(sc)
	if err != nil && l.dead() {
		return unreachable(t, "%s: connection lost: %v", what, l.err)
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("host %s: %s: %w", t.name, what, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("host %s: %s: %w", t.name, what, err)
	}
	return nil
}

// Upload writes src to dst with mode, atomically: the data goes to a
// temporary file in dst's directory, which is chmod-ed and then renamed
// over dst (posix-rename@openssh.com), so readers see the old file or the
// new one, never a part.
//
// SFTP creates files with the server's default mode (0666 less the umask).
// When mode gives nothing to group and others, the temporary file is made
// inside a temporary directory that is closed (0700) before the file
// exists, so nobody can open the file while the data arrives.
//
// Requests that do not depend on each other's answers are pipelined: the
// data goes as concurrent WRITE requests together with the chmod of the
// open file (one round trip for both, whatever the size), then the close
// and the rename go together (the server handles them in order; a file
// renamed while open keeps its data). Open, write, close: three round
// trips, five with the private directory (mkdir, chmod; rmdir at the end).
func (c *Conn) Upload(ctx context.Context, src io.Reader, dst string, mode fs.FileMode) error {
	st := &c.e.stats
	return c.withSFTP(ctx, "upload "+dst, func(sc *sftp.Client) error {
		dir := path.Dir(dst)
		private := ""
		if mode.Perm()&0o077 == 0 {
			private = path.Join(dir, "."+path.Base(dst)+".rb-"+newNonce()+".d")
			st.sftp.Add(2)
			st.roundTrips.Add(2)
			if err := sc.Mkdir(private); err != nil {
				return err
			}
			defer func() {
				st.sftp.Add(1)
				st.roundTrips.Add(1)
				_ = sc.RemoveDirectory(private)
			}()
			if err := sc.Chmod(private, 0o700); err != nil {
				return err
			}
			dir = private
		}
		tmp := path.Join(dir, "."+path.Base(dst)+".rb-"+newNonce())
		st.sftp.Add(1)
		st.roundTrips.Add(1)
		f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
		if err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { _ = f.Close() })
		counted := &countingReader{r: src}
		var chmodErr error
		chmodDone := make(chan struct{})
		go func() {
			defer close(chmodDone)
			chmodErr = f.Chmod(mode)
		}()
		_, err = io.Copy(f, counted)
		<-chmodDone
		stop()
		st.sftp.Add(1 + (counted.n+sftpChunk-1)/sftpChunk)
		st.roundTrips.Add(1)
		if err == nil {
			err = chmodErr
		}
		var closeErr error
		closeDone := make(chan struct{})
		go func() {
			defer close(closeDone)
			closeErr = f.Close()
		}()
		if err == nil {
			err = sc.PosixRename(tmp, dst)
		}
		<-closeDone
		st.sftp.Add(2)
		st.roundTrips.Add(1)
		if err == nil {
			err = closeErr
		}
		if err != nil {
			st.sftp.Add(1)
			st.roundTrips.Add(1)
			_ = sc.Remove(tmp)
		}
		return err
	})
}

// sftpChunk is the data pkg/sftp puts in one WRITE request.
const sftpChunk = 32 << 10

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Download streams the remote file src into dst: open, the reads (pkg/sftp
// keeps several in flight), close.
func (c *Conn) Download(ctx context.Context, src string, dst io.Writer) error {
	st := &c.e.stats
	return c.withSFTP(ctx, "download "+src, func(sc *sftp.Client) error {
		st.sftp.Add(1)
		st.roundTrips.Add(1)
		f, err := sc.Open(src)
		if err != nil {
			return err
		}
		defer func() {
			st.sftp.Add(1)
			st.roundTrips.Add(1)
			_ = f.Close()
		}()
		stop := context.AfterFunc(ctx, func() { _ = f.Close() })
		defer stop()
		w := &countingWriter{w: dst}
		_, err = io.Copy(w, f)
		// pkg/sftp stats the file to size its reads, then keeps up to
		// 64 in flight; one more finds the end.
		st.sftp.Add(2 + w.n/sftpChunk)
		st.roundTrips.Add(2 + w.n/(sftpChunk*64))
		return err
	})
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// becomeUploadScript writes stdin to a temporary file next to $1 as the
// become user, sets mode $2, and renames it over $1.
const becomeUploadScript = `set -e
t=$(mktemp "$(dirname -- "$1")/.$(basename -- "$1").rb-XXXXXX")
trap 'rm -f -- "$t"' EXIT
cat > "$t"
chmod "$2" "$t"
mv -f -- "$t" "$1"
trap - EXIT`

// UploadAs is Upload as another user (sudo). The data is streamed on the
// command's stdin to the become user, who writes a temporary file next to
// dst, chmods it and renames it over dst: atomic like Upload, and no copy
// of the data is ever readable by a third user on the way (a temporary file
// of the login user would not be readable by a non-root become user).
// A nil become is Upload.
func (c *Conn) UploadAs(ctx context.Context, src io.Reader, dst string, mode fs.FileMode, become *transport.Become) error {
	if become == nil {
		return c.Upload(ctx, src, dst, mode)
	}
	res, err := c.Exec(ctx, &transport.Cmd{
		Argv:   []string{"/bin/sh", "-c", becomeUploadScript, "sh", dst, strconv.FormatUint(uint64(mode.Perm()), 8)},
		Stdin:  src,
		Become: become,
	})
	if err != nil {
		return err
	}
	if res.RC != 0 {
		return fmt.Errorf("host %s: upload %s as %s: rc %d: %s", c.e.t.name, dst, becomeUser(become), res.RC, res.Stderr)
	}
	return nil
}
