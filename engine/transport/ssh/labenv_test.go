package ssh

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labdir"
)

// sshLab is the real-sshd lab made by lab/ssh/up.sh.
type sshLab struct {
	dir   string
	env   map[string]string
	hosts []labHost
}

type labHost struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port"`
	User    string `json:"user"`
	Netns   string `json:"netns"`
	Log     string `json:"log"`
	Jump    string `json:"jump"`
}

// needLab returns the lab, or skips the test when lab tests are not asked
// for or it is not up (fails instead when RUNBOOK_LAB_REQUIRED=1, as in
// CI).
func needLab(t *testing.T) *sshLab {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests are not short")
	}
	l := &sshLab{dir: filepath.Join(labdir.Dir(), "ssh"), env: labdir.Env(t, "ssh")}
	b, err := os.ReadFile(l.env["LAB_SSH_HOSTS_JSON"])
	if err != nil {
		labdir.Absent(t, "ssh lab hosts: %v; start it with lab/ssh/up.sh", err)
	}
	if err := json.Unmarshal(b, &l.hosts); err != nil {
		labdir.Absent(t, "ssh lab hosts.json: %v", err)
	}
	if len(l.hosts) == 0 {
		labdir.Absent(t, "no hosts in the ssh lab's hosts.json")
	}
	return l
}

func (l *sshLab) host(t *testing.T, name string) labHost {
	t.Helper()
	for _, h := range l.hosts {
		if h.Name == name {
			return h
		}
	}
	t.Skipf("lab has no host %s", name)
	return labHost{}
}

// endpoint is the lab host as an inventory would describe it (jump host
// included).
func (l *sshLab) endpoint(t *testing.T, name string) *transport.Endpoint {
	t.Helper()
	h := l.host(t, name)
	ep := &transport.Endpoint{Name: h.Name, Address: h.Address, Port: h.Port, User: h.User,
		PrivateKey: l.env["LAB_SSH_KEY"], KnownHosts: l.env["LAB_SSH_KNOWN_HOSTS"], ConnectTimeout: 5 * time.Second}
	if h.Jump != "" {
		ep.Jump = []*transport.Endpoint{l.endpoint(t, h.Jump)}
	}
	return ep
}

// direct returns the hosts reachable without a jump host, not counting the
// jump host itself.
func (l *sshLab) direct() []labHost {
	var hs []labHost
	for _, h := range l.hosts {
		if h.Jump == "" && h.Name != l.env["LAB_SSH_JUMP"] {
			hs = append(hs, h)
		}
	}
	return hs
}

func (l *sshLab) pool(t *testing.T, opts Options) *Pool {
	t.Helper()
	opts.ConfigFile = "none"
	opts.AgentSocket = "none"
	if opts.HomeDir == "" {
		opts.HomeDir = t.TempDir()
	}
	p := NewPool(opts)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func (l *sshLab) secret(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(l.env[key])
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(b), "\n")
}

// ctl runs lab/ssh/ctl.sh (freeze, thaw, stop, start, ...).
func (l *sshLab) ctl(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(l.env["LAB_SSH_CTL"], args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ctl.sh %v: %v\n%s", args, err, out)
	}
}
