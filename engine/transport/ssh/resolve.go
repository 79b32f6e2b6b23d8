package ssh

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sshconfig "github.com/kevinburke/ssh_config"

	"github.com/runbook-dev/runbook/engine/transport"
)

// target is an Endpoint with ~/.ssh/config and defaults applied: everything
// needed to open one connection.
type target struct {
	name        string // for messages: the inventory name
	host        string // what to connect to (after HostName)
	port        int
	user        string
	keys        []string // identity files, explicit ones first
	explicitKey bool     // keys came from the inventory or ssh_config
	knownHosts  []string // first one is written by accept-new
	checking    transport.HostKeyChecking
	timeout     time.Duration
	jump        []*target // outermost first
}

func (t *target) addr() string { return net.JoinHostPort(t.host, strconv.Itoa(t.port)) }

// key identifies a pooled connection: the same user on the same address
// through the same hops shares one connection.
//
// The key also holds the inventory name and everything that decides how the
// server is verified and how we authenticate (known_hosts files, checking
// mode, identities): two inventory hosts on one address with different
// policies must never share a connection verified under the other's rules.
// A bastion shared by many hosts has one name, so it is still dialed once.
func (t *target) key() string {
	one := func(t *target) string {
		return fmt.Sprintf("%s=%s@%s[kh=%s;check=%s;keys=%s]", t.name, t.user, t.addr(),
			strings.Join(t.knownHosts, ","), t.checking, strings.Join(t.keys, ","))
	}
	k := one(t)
	for i := len(t.jump) - 1; i >= 0; i-- {
		k += " via " + one(t.jump[i])
	}
	return k
}

// sshConfig is the part of an ssh_config file the pool reads.
type sshConfig interface {
	Get(alias, key string) (string, error)
	GetAll(alias, key string) ([]string, error)
}

type noConfig struct{}

func (noConfig) Get(string, string) (string, error)      { return "", nil }
func (noConfig) GetAll(string, string) ([]string, error) { return nil, nil }

// loadSSHConfig reads path; a missing file is an empty config. Match blocks
// the parser does not support (Match exec, user, ...) are left out, as if
// they did not match, rather than making the whole file unusable.
func loadSSHConfig(path string) (sshConfig, error) {
	if path == "" || path == "none" {
		return noConfig{}, nil
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return noConfig{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ssh config: %w", err)
	}
	cfg, err := sshconfig.DecodeBytes(b)
	if err != nil {
		cfg, err = sshconfig.DecodeBytes(dropUnsupportedMatch(b))
	}
	if err != nil {
		return nil, fmt.Errorf("ssh config %s: %w", path, err)
	}
	return cfg, nil
}

// dropUnsupportedMatch removes "Match" blocks other than "Match all" and
// "Match host ...", up to the next Host or Match line.
func dropUnsupportedMatch(b []byte) []byte {
	var out []string
	skipping := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "=", " "))
		if len(f) > 0 {
			switch strings.ToLower(f[0]) {
			case "host":
				skipping = false
			case "match":
				skipping = len(f) < 2 || (strings.ToLower(f[1]) != "all" && strings.ToLower(f[1]) != "host")
			}
		}
		if !skipping {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// resolve applies ssh_config and defaults to ep. Inventory values win over
// ssh_config; ssh_config wins over defaults. parent is the endpoint a hop
// belongs to: a hop without its own user, key or known_hosts settings
// borrows the parent's.
func (p *Pool) resolve(ep *transport.Endpoint, parent *target) (*target, error) {
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	alias := ep.Address
	if alias == "" {
		alias = ep.Name
	}
	if alias == "" {
		return nil, fmt.Errorf("endpoint has neither a name nor an address")
	}
	name := ep.Name
	if name == "" {
		name = alias
	}
	get := func(key string) string {
		v, _ := cfg.Get(alias, key)
		return strings.TrimSpace(v)
	}
	t := &target{name: name, host: alias, port: ep.Port, user: ep.User, checking: ep.HostKeyChecking, timeout: ep.ConnectTimeout}
	if hn := get("HostName"); hn != "" {
		t.host = strings.ReplaceAll(hn, "%h", alias)
	}
	if t.port == 0 {
		if ps := get("Port"); ps != "" {
			n, err := strconv.Atoi(ps)
			if err != nil || n <= 0 || n > 65535 {
				return nil, fmt.Errorf("host %s: ssh config Port %q is not a port", name, ps)
			}
			t.port = n
		}
	}
	if t.port == 0 {
		t.port = 22
	}
	if t.user == "" {
		t.user = get("User")
	}
	if t.user == "" && parent != nil {
		t.user = parent.user
	}
	if t.user == "" {
		t.user = p.localUser()
	}
	exp := func(s string) string { return p.expand(s, t) }
	switch {
	case ep.PrivateKey != "":
		t.keys = []string{exp(ep.PrivateKey)}
		t.explicitKey = true
	default:
		files, _ := cfg.GetAll(alias, "IdentityFile")
		for _, f := range files {
			if f = strings.TrimSpace(f); f != "" {
				t.keys = append(t.keys, exp(f))
			}
		}
		if len(t.keys) > 0 {
			t.explicitKey = true
		} else if parent != nil && parent.explicitKey {
			t.keys, t.explicitKey = parent.keys, true
		}
	}
	switch {
	case ep.KnownHosts != "":
		t.knownHosts = []string{exp(ep.KnownHosts)}
	case get("UserKnownHostsFile") != "":
		for _, f := range strings.Fields(get("UserKnownHostsFile")) {
			t.knownHosts = append(t.knownHosts, exp(f))
		}
	case parent != nil:
		t.knownHosts = parent.knownHosts
	default:
		t.knownHosts = []string{filepath.Join(p.home(), ".ssh", "known_hosts")}
	}
	if t.checking == "" && parent != nil {
		t.checking = parent.checking
	}
	if t.checking == "" {
		t.checking = transport.HostKeyStrict
	}
	switch t.checking {
	case transport.HostKeyStrict, transport.HostKeyAcceptNew, transport.HostKeyOff:
	default:
		return nil, fmt.Errorf("host %s: unknown host_key_checking %q (want strict, accept-new or off)", name, t.checking)
	}
	if t.timeout == 0 && parent != nil {
		t.timeout = parent.timeout
	}
	if t.timeout == 0 {
		t.timeout = p.opts.ConnectTimeout
	}

	// Hops: the inventory's chain, else ssh_config's ProxyJump. A hop's own
	// ProxyJump is not followed (the chain is explicit).
	if parent != nil {
		return t, nil
	}
	hops := ep.Jump
	if len(hops) == 0 {
		if pj := get("ProxyJump"); pj != "" && pj != "none" {
			hops, err = parseProxyJump(pj)
			if err != nil {
				return nil, fmt.Errorf("host %s: ssh config ProxyJump: %w", name, err)
			}
		}
	}
	for _, h := range hops {
		ht, err := p.resolve(h, t)
		if err != nil {
			return nil, fmt.Errorf("host %s: jump host: %w", name, err)
		}
		t.jump = append(t.jump, ht)
	}
	return t, nil
}

// parseProxyJump reads "[user@]host[:port][,...]" (and ssh:// URIs).
func parseProxyJump(s string) ([]*transport.Endpoint, error) {
	var eps []*transport.Endpoint
	for _, hop := range strings.Split(s, ",") {
		hop = strings.TrimPrefix(strings.TrimSpace(hop), "ssh://")
		if hop == "" {
			return nil, fmt.Errorf("empty hop in %q", s)
		}
		ep := &transport.Endpoint{}
		if at := strings.LastIndex(hop, "@"); at >= 0 {
			ep.User, hop = hop[:at], hop[at+1:]
		}
		host, port := hop, ""
		if h, p, err := net.SplitHostPort(hop); err == nil {
			host, port = h, p
		}
		if port != "" {
			n, err := strconv.Atoi(port)
			if err != nil {
				return nil, fmt.Errorf("bad port in hop %q", hop)
			}
			ep.Port = n
		}
		ep.Name, ep.Address = host, host
		eps = append(eps, ep)
	}
	return eps, nil
}

// expand handles ~ and the %-tokens of ssh_config paths that make sense
// here: %d (home), %u (local user), %h (host), %r (remote user), %p, %%.
func (p *Pool) expand(s string, t *target) string {
	if s == "~" || strings.HasPrefix(s, "~/") {
		s = p.home() + s[1:]
	}
	if !strings.Contains(s, "%") {
		return s
	}
	r := strings.NewReplacer("%%", "%", "%d", p.home(), "%u", p.localUser(), "%h", t.host, "%r", t.user, "%p", strconv.Itoa(t.port))
	return r.Replace(s)
}

func (p *Pool) home() string {
	if p.opts.HomeDir != "" {
		return p.opts.HomeDir
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}

func (p *Pool) localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}
