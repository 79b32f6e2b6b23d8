package ssh

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// EncryptedKeyError says a private key needs a passphrase and there is no
// way to ask for one (stdin is not a terminal and no agent holds it).
type EncryptedKeyError struct{ Path string }

func (e *EncryptedKeyError) Error() string {
	return fmt.Sprintf("private key %s is encrypted with a passphrase and stdin is not a terminal to ask for it: "+
		"add it to ssh-agent (ssh-add %s) or run from a terminal", e.Path, e.Path)
}

// AuthError says the server refused every key offered.
type AuthError struct {
	Host   string
	User   string
	Tried  []string // what was offered, for the message
	Reason error
}

func (e *AuthError) Error() string {
	tried := "nothing (no key given, no agent, no default identity)"
	if len(e.Tried) > 0 {
		tried = strings.Join(e.Tried, ", ")
	}
	return fmt.Sprintf("authentication as %q on host %s failed (offered %s): %v", e.User, e.Host, tried, e.Reason)
}

func (e *AuthError) Unwrap() error { return e.Reason }

// signers loads and caches private keys, asking for passphrases at most
// once per key per pool.
type signers struct {
	mu     sync.Mutex
	byPath map[string]ssh.Signer
	prompt sync.Mutex // one passphrase prompt at a time

	agentOnce sync.Once
	agent     agent.ExtendedAgent
	agentConn net.Conn
}

func (p *Pool) loadKey(path string) (ssh.Signer, error) {
	s := &p.signers
	s.mu.Lock()
	if sg, ok := s.byPath[path]; ok {
		s.mu.Unlock()
		return sg, nil
	}
	s.mu.Unlock()

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	sg, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		s.prompt.Lock()
		defer s.prompt.Unlock()
		s.mu.Lock()
		cached, ok := s.byPath[path]
		s.mu.Unlock()
		if ok { // another goroutine asked meanwhile
			return cached, nil
		}
		pass, perr := p.passphrase(path)
		if perr != nil {
			return nil, perr
		}
		sg, err = ssh.ParsePrivateKeyWithPassphrase(data, pass)
		clear(pass)
		if err != nil {
			return nil, fmt.Errorf("private key %s: wrong passphrase or unreadable key: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	s.mu.Lock()
	if s.byPath == nil {
		s.byPath = map[string]ssh.Signer{}
	}
	s.byPath[path] = sg
	s.mu.Unlock()
	return sg, nil
}

func (p *Pool) passphrase(path string) ([]byte, error) {
	if p.opts.Passphrase != nil {
		return p.opts.Passphrase(path)
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, &EncryptedKeyError{Path: path}
	}
	// Echo goes off before the prompt shows (like OpenSSH's readpassphrase),
	// so a passphrase typed the moment the prompt appears is not echoed.
	if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		quiet := *old
		quiet.Lflag &^= unix.ECHO
		if unix.IoctlSetTermios(fd, unix.TCSETS, &quiet) == nil {
			defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck
		}
	}
	fmt.Fprintf(os.Stderr, "Enter passphrase for key '%s': ", path)
	pass, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("reading passphrase for %s: %w", path, err)
	}
	return pass, nil
}

// agentSigners returns the keys of the ssh-agent at SSH_AUTH_SOCK (or the
// socket in Options), or none when there is no agent.
func (p *Pool) agentSigners() []ssh.Signer {
	s := &p.signers
	s.agentOnce.Do(func() {
		sock := p.opts.AgentSocket
		if sock == "" {
			sock = os.Getenv("SSH_AUTH_SOCK")
		}
		if sock == "" || sock == "none" {
			return
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			return // no agent after all: as without SSH_AUTH_SOCK
		}
		s.agentConn, s.agent = c, agent.NewClient(c)
	})
	if s.agent == nil {
		return nil
	}
	sg, err := s.agent.Signers()
	if err != nil {
		return nil
	}
	return sg
}

// authFor builds the publickey method for t: its keys (inventory or
// ssh_config), then the agent's, then (when no key was named) the default
// identities ~/.ssh/id_ed25519, id_ecdsa, id_rsa. tried describes them.
func (p *Pool) authFor(t *target) (ssh.AuthMethod, *[]string, error) {
	var keys []ssh.Signer
	tried := &[]string{}
	for _, k := range t.keys {
		sg, err := p.loadKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("host %s: %w", t.name, err)
		}
		keys = append(keys, sg)
		*tried = append(*tried, fmt.Sprintf("key %s (%s)", k, ssh.FingerprintSHA256(sg.PublicKey())))
	}
	if !t.explicitKey {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			path := filepath.Join(p.home(), ".ssh", n)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			sg, err := p.loadKey(path)
			if err != nil {
				*tried = append(*tried, fmt.Sprintf("default key %s skipped: %v", path, err))
				continue
			}
			keys = append(keys, sg)
			*tried = append(*tried, fmt.Sprintf("key %s (%s)", path, ssh.FingerprintSHA256(sg.PublicKey())))
		}
	}
	cb := func() ([]ssh.Signer, error) {
		all := append([]ssh.Signer(nil), keys...)
		if ag := p.agentSigners(); len(ag) > 0 {
			// The named keys come first: servers stop after a few failures.
			if t.explicitKey {
				all = append(all, ag...)
			} else {
				all = append(ag, all...)
			}
			*tried = append(*tried, fmt.Sprintf("%d agent key(s)", len(ag)))
		}
		return all, nil
	}
	return ssh.PublicKeysCallback(cb), tried, nil
}
