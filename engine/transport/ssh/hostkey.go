package ssh

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/runbook-dev/runbook/engine/transport"
)

// HostKeyError says a host's key could not be verified: it is unknown, or
// it does not match the one on record.
type HostKeyError struct {
	Host        string // inventory name
	Address     string // host:port as dialed
	KeyType     string // of the presented key
	Fingerprint string // SHA256:... of the presented key
	KnownHosts  []string
	// Want holds the keys on record when they do not match (empty when the
	// host is unknown).
	Want []knownhosts.KnownKey
}

// Unknown reports whether the host has no key on record at all.
func (e *HostKeyError) Unknown() bool { return len(e.Want) == 0 }

func (e *HostKeyError) Error() string {
	if e.Unknown() {
		return fmt.Sprintf("host key of %s (%s) is unknown: it presented %s key %s, which is not in %s; "+
			"add it (e.g. ssh-keyscan) or set host_key_checking = \"accept-new\" to record it on first use",
			e.Host, e.Address, e.KeyType, e.Fingerprint, strings.Join(e.KnownHosts, ", "))
	}
	var on []string
	for _, w := range e.Want {
		on = append(on, fmt.Sprintf("%s:%d (%s %s)", w.Filename, w.Line, w.Key.Type(), ssh.FingerprintSHA256(w.Key)))
	}
	return fmt.Sprintf("HOST KEY MISMATCH for %s (%s): it presented %s key %s, but the key on record is %s; "+
		"this may be a man-in-the-middle attack, or the host was reinstalled (then remove the old line)",
		e.Host, e.Address, e.KeyType, e.Fingerprint, strings.Join(on, ", "))
}

// knownHostsLocks serialises accept-new appends to one file within this
// process (flock does the same across processes).
var knownHostsLocks sync.Map // path -> *sync.Mutex

// hostKeyCallback returns the callback verifying t's host key and the host
// key algorithms to ask for: those of the keys on record first, so a server
// with several host keys presents the one we know, then the other supported
// ones, so a server that changed key type still gets to present a key and
// fails as a clear mismatch rather than "no common algorithm". Nil means the
// client defaults (host unknown).
func (p *Pool) hostKeyCallback(t *target) (ssh.HostKeyCallback, []string, error) {
	if t.checking == transport.HostKeyOff {
		return ssh.InsecureIgnoreHostKey(), nil, nil // the inventory said host_key_checking = "off"
	}
	check, err := p.knownHosts.load(t.knownHosts)
	if err != nil {
		return nil, nil, fmt.Errorf("host %s: %w", t.name, err)
	}
	algos := knownAlgorithms(check, t.addr())
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("host %s (%s): %w", t.name, hostname, err) // e.g. a revoked key
		}
		herr := &HostKeyError{Host: t.name, Address: hostname, KeyType: key.Type(),
			Fingerprint: ssh.FingerprintSHA256(key), KnownHosts: t.knownHosts, Want: ke.Want}
		if len(ke.Want) == 0 && t.checking == transport.HostKeyAcceptNew {
			return acceptNew(t, hostname, remote, key)
		}
		return herr
	}
	return cb, algos, nil
}

// knownHostsCache keeps parsed known_hosts files for the pool's life, so
// dialing 200 hosts does not parse a 200-line file 200 times. An entry is
// used only while the files keep their size and modification time.
type knownHostsCache struct {
	mu sync.Mutex
	m  map[string]knownHostsEntry
}

type knownHostsEntry struct {
	sig   string
	check ssh.HostKeyCallback
}

func (c *knownHostsCache) load(files []string) (ssh.HostKeyCallback, error) {
	key := strings.Join(files, "\x00")
	var sig strings.Builder
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(&sig, "%s:%d:%d;", f, st.Size(), st.ModTime().UnixNano())
		} else {
			fmt.Fprintf(&sig, "%s:-;", f)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && e.sig == sig.String() {
		return e.check, nil
	}
	check, err := loadKnownHosts(files)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]knownHostsEntry{}
	}
	c.m[key] = knownHostsEntry{sig: sig.String(), check: check}
	return check, nil
}

// loadKnownHosts builds a checker from the files that exist; no file at all
// means no host is known.
func loadKnownHosts(files []string) (ssh.HostKeyCallback, error) {
	var exist []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			exist = append(exist, f)
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
	}
	if len(exist) == 0 {
		return func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }, nil
	}
	cb, err := knownhosts.New(exist...)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	return cb, nil
}

// probeKey is a key no host has: checking it returns every key on record.
type probeKey struct{}

func (probeKey) Type() string                        { return "runbook-probe" }
func (probeKey) Marshal() []byte                     { return []byte("runbook-probe-key") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }

func knownAlgorithms(check ssh.HostKeyCallback, addr string) []string {
	err := check(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey{})
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !seen[x] {
				seen[x] = true
				algos = append(algos, x)
			}
		}
	}
	for _, w := range ke.Want {
		switch typ := w.Key.Type(); typ {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(typ)
		}
	}
	add(ssh.SupportedAlgorithms().HostKeys...)
	return algos
}

// acceptNew records key for hostname in the first known_hosts file, like
// OpenSSH's StrictHostKeyChecking=accept-new: under a lock, re-read the file
// (another run may have recorded the host meanwhile), then append.
func acceptNew(t *target, hostname string, remote net.Addr, key ssh.PublicKey) error {
	path := t.knownHosts[0]
	mu, _ := knownHostsLocks.LoadOrStore(path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("host %s: recording host key: %w", t.name, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("host %s: recording host key: %w", t.name, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("host %s: locking %s: %w", t.name, path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck

	check, err := loadKnownHosts(t.knownHosts)
	if err != nil {
		return fmt.Errorf("host %s: %w", t.name, err)
	}
	err = check(hostname, remote, key)
	var ke *knownhosts.KeyError
	switch {
	case err == nil:
		return nil // recorded by someone else meanwhile
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return &HostKeyError{Host: t.name, Address: hostname, KeyType: key.Type(),
			Fingerprint: ssh.FingerprintSHA256(key), KnownHosts: t.knownHosts, Want: ke.Want}
	case !errors.As(err, &ke):
		return fmt.Errorf("host %s (%s): %w", t.name, hostname, err)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("host %s: recording host key: %w", t.name, err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key) + "\n"
	if len(content) > 0 && !bytes.HasSuffix(content, []byte("\n")) {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("host %s: recording host key in %s: %w", t.name, path, err)
	}
	return nil
}
