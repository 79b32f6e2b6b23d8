package ssh

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// A command's stdin cannot leave with its exec request: OpenSSH's sshd
// opens a session's window only when the command starts, so a command with
// stdin waits for the exec reply before its data can go (two round trips;
// docs/performance.md, "A command's stdin cannot travel with its exec
// request"). On a far host the session opened ahead of the next command
// therefore also starts, ahead, a shell that waits for the command line on
// its stdin (readerScript): the command line and the data then leave
// together, and a write is one round trip like any other command. The
// command line goes on stdin, so it is no more visible on the host than
// before (less: sshd logs exec requests).

// ShellAhead says when the session opened ahead of the next command also
// starts a shell waiting for that command (see above).
type ShellAhead int

const (
	// ShellAheadAuto starts one for a host that has been sent a command
	// with stdin (a runbook that writes a file writes more) on a link whose
	// quickest channel open so far took at least ShellAheadMinRTT: there
	// the round trip saved per write is worth the process the host starts
	// early, and after the last command for nothing. On loopback and a LAN,
	// or for a host only ever sent commands, it is not.
	ShellAheadAuto ShellAhead = iota
	// ShellAheadAlways starts one whatever the round trip.
	ShellAheadAlways
	// ShellAheadNever never does: commands are exec requests.
	ShellAheadNever
)

// ShellAheadMinRTT is the round trip from which ShellAheadAuto starts a
// shell ahead.
const ShellAheadMinRTT = 10 * time.Millisecond

// earlyStdinMax is the most stdin sent with the command line without
// waiting for the command to ask for it (Cmd.StdinAfter) or to start:
// what the command may not read is sent for nothing, and what is sent
// before the command started must be kept to send again on a new session.
const earlyStdinMax = 64 << 10

// readerScript is the command of a session started ahead: it reads one
// line, the command line (newlines inside its quoted words written as
// '"$N"', see oneLine), and evaluates it, which runs the wrapper line of
// remoteCommand in this shell: the command keeps this shell's PID, and the
// rest of stdin is the command's. The shell reads the line byte by byte
// (POSIX shells never read past the newline of a pipe), so nothing of the
// command's stdin is lost to it. End of input before a line (the pool
// closed, the session was never used) exits 0.
const readerScript = "N='\n'; IFS= read -r c || exit 0; eval \"$c\""

// oneLine writes line (a remoteCommand, whose newlines can only be inside
// single-quoted words: Quote quotes every word and the wrapper's own text
// has none) as one line for readerScript: each newline closes the quote,
// expands $N (a newline) in double quotes and reopens it.
func oneLine(line string) string {
	return strings.ReplaceAll(line, "\n", `'"$N"'`)
}

// aheadShell is a session started ahead with readerScript: its stdin, and
// its output streams, which go to the command's writers once it has one.
type aheadShell struct {
	stdin          io.WriteCloser
	stdout, stderr *lateWriter
}

// startAheadShell starts readerScript on s.
func startAheadShell(s *ssh.Session) (*aheadShell, error) {
	sh := &aheadShell{stdout: &lateWriter{}, stderr: &lateWriter{}}
	s.Stdout, s.Stderr = sh.stdout, sh.stderr
	stdin, err := s.StdinPipe()
	if err != nil {
		return nil, err
	}
	sh.stdin = stdin
	if err := s.Start(readerScript); err != nil {
		return nil, err
	}
	return sh, nil
}

// lateWriter holds what is written until its destination is set, then
// passes it on.
type lateWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

func (l *lateWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return l.buf.Write(p)
	}
	return l.w.Write(p)
}

// ReadFrom lets io.Copy use a pooled buffer.
func (l *lateWriter) ReadFrom(r io.Reader) (int64, error) {
	return readFrom(struct{ io.Writer }{l}, r)
}

func (l *lateWriter) set(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w = w
	if l.buf.Len() > 0 {
		_, _ = w.Write(l.buf.Bytes())
		l.buf.Reset()
	}
}

// wantShellAhead says whether the next session opened ahead on e's link
// starts a shell (ShellAhead).
func (e *entry) wantShellAhead() bool {
	switch e.pool.opts.ShellAhead {
	case ShellAheadAlways:
		return true
	case ShellAheadNever:
		return false
	}
	rtt := e.minOpen.Load()
	return e.stdinSeen.Load() && rtt > 0 && time.Duration(rtt) >= ShellAheadMinRTT
}

// sawOpen records how long a channel open took: the quickest so far is the
// link's round trip as ShellAheadAuto sees it.
func (e *entry) sawOpen(d time.Duration) {
	n := int64(d)
	if n <= 0 {
		n = 1
	}
	for {
		cur := e.minOpen.Load()
		if cur != 0 && cur <= n {
			return
		}
		if e.minOpen.CompareAndSwap(cur, n) {
			return
		}
	}
}
