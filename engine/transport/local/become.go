package local

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/runbook-dev/runbook/engine/transport"
)

// becomeScript runs after sudo: it tells the reader of stderr that sudo is
// done (by printing $0, the marker) and then replaces itself with the
// command, whose argv arrives as positional parameters, never as shell text.
const becomeScript = `printf '%s\n' "$0" >&2; exec "$@"`

// becomeSession drives one command run through sudo.
//
// sudo runs with -S and a random prompt. The session watches stderr: when
// the prompt appears it writes the password to stdin, and only once the
// marker shows that sudo has started the command does it pass the caller's
// stdin through. So the password is never on a command line, and never
// reaches the command's stdin when sudo does not ask for it.
type becomeSession struct {
	user     string
	password string
	prompt   []byte
	marker   []byte // including the trailing newline

	out   *lineWriter // the command's real stderr
	stdin *os.File

	mu       sync.Mutex
	pending  []byte
	seen     bool
	markerCh chan struct{}
	prompts  int
	failure  error

	closeOnce sync.Once
}

func newBecomeSession(b *transport.Become, out *lineWriter) (*becomeSession, error) {
	if b.Method != "" && b.Method != "sudo" {
		return nil, fmt.Errorf("become method %q is not supported (only sudo)", b.Method)
	}
	tok := make([]byte, 12)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("become: %w", err)
	}
	id := hex.EncodeToString(tok)
	user := b.User
	if user == "" {
		user = "root"
	}
	return &becomeSession{
		user:     user,
		password: b.Password,
		prompt:   []byte("[runbook-sudo-" + id + "] password: "),
		marker:   []byte("RUNBOOK-BECOME-" + id + "\n"),
		out:      out,
		markerCh: make(chan struct{}),
	}, nil
}

// argv wraps the command in sudo, env (for extra variables, which sudo
// would otherwise reset) and the marker script.
func (s *becomeSession) argv(sudo string, argv []string, env map[string]string) []string {
	out := []string{sudo, "-S", "-p", string(s.prompt), "-u", s.user, "--"}
	if len(env) > 0 {
		out = append(out, "env", "--")
		out = append(out, envList(env)...)
	}
	out = append(out, "/bin/sh", "-c", becomeScript, string(bytes.TrimSuffix(s.marker, []byte("\n"))))
	return append(out, argv...)
}

// Write receives sudo's and then the command's stderr.
func (s *becomeSession) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen {
		return s.out.Write(p)
	}
	s.pending = append(s.pending, p...)
	for !s.seen {
		pi := bytes.Index(s.pending, s.prompt)
		mi := bytes.Index(s.pending, s.marker)
		switch {
		case pi >= 0 && (mi < 0 || pi < mi):
			s.out.Write(s.pending[:pi])
			s.pending = s.pending[pi+len(s.prompt):]
			s.answerPrompt()
		case mi >= 0:
			s.out.Write(s.pending[:mi])
			rest := s.pending[mi+len(s.marker):]
			s.pending = nil
			s.seen = true
			close(s.markerCh)
			s.out.Write(rest)
		default:
			return len(p), nil
		}
	}
	return len(p), nil
}

// answerPrompt sends the password the first time sudo asks; a second
// prompt means it was wrong, and closing stdin makes sudo give up.
func (s *becomeSession) answerPrompt() {
	s.prompts++
	switch {
	case s.password == "":
		s.failure = fmt.Errorf("sudo asks for a password to become %s and none was given", s.user)
	case s.prompts > 1:
		s.failure = fmt.Errorf("sudo rejected the password to become %s", s.user)
	default:
		if _, err := io.WriteString(s.stdin, s.password+"\n"); err == nil {
			return
		}
		s.failure = errors.New("could not send the sudo password")
	}
	s.closeStdin()
}

// feedStdin passes src to the command once sudo has started it, then
// closes the command's stdin. It returns when the command has exited.
func (s *becomeSession) feedStdin(src io.Reader, done <-chan struct{}) {
	select {
	case <-s.markerCh:
		if src != nil {
			_, _ = io.Copy(s.stdin, src)
		}
	case <-done:
	}
	s.closeStdin()
}

func (s *becomeSession) closeStdin() {
	s.closeOnce.Do(func() { s.stdin.Close() })
}

// flush passes on whatever sudo printed without ever starting the command.
func (s *becomeSession) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen && len(s.pending) > 0 {
		s.out.Write(s.pending)
		s.pending = nil
	}
	s.out.flush()
}

// err says why the command did not run, if sudo stopped it.
func (s *becomeSession) err(res *transport.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure != nil {
		return s.failure
	}
	if !s.seen {
		msg := fmt.Sprintf("sudo could not run the command as %s (exit status %d)", s.user, res.RC)
		if t := bytes.TrimSpace(res.Stderr); len(t) > 0 {
			msg += ": " + lastLine(string(t))
		}
		return errors.New(msg)
	}
	return nil
}

func lastLine(s string) string {
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
