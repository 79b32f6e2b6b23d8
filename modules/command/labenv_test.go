package command

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
)

// labConn dials a host of the SSH lab (lab/ssh/up.sh): the first network
// namespace host if there is one (its writes land in an overlay and never
// reach this machine's /), else the first loopback host (tests then write
// only under a fresh /tmp directory, as the lab user). It skips the test when the lab is not up, and fails it
// instead when RUNBOOK_LAB_REQUIRED=1 (as in CI).
func labConn(t *testing.T) transport.Conn {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests are not short")
	}
	root := os.Getenv("RUNBOOK_LAB_DIR")
	if root == "" {
		root = "/tmp/runbook-lab"
	}
	absent := func(why string) transport.Conn {
		if os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" {
			t.Fatalf("ssh lab required but %s", why)
		}
		t.Skipf("ssh lab not available (%s); start it with lab/ssh/up.sh", why)
		return nil
	}
	f, err := os.Open(filepath.Join(root, "ssh", "env"))
	if err != nil {
		return absent(err.Error())
	}
	defer f.Close()
	env := map[string]string{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	b, err := os.ReadFile(env["LAB_SSH_HOSTS_JSON"])
	if err != nil {
		return absent(err.Error())
	}
	var hosts []struct {
		Name, Address, User, Netns, Jump string
		Port                             int
	}
	if err := json.Unmarshal(b, &hosts); err != nil {
		return absent("hosts.json: " + err.Error())
	}
	var pick *transport.Endpoint
	for _, netns := range []bool{true, false} {
		for _, h := range hosts {
			if pick == nil && (h.Netns != "") == netns && h.Jump == "" && h.Name != env["LAB_SSH_JUMP"] {
				pick = &transport.Endpoint{Name: h.Name, Transport: "ssh", Address: h.Address, Port: h.Port, User: h.User,
					PrivateKey: env["LAB_SSH_KEY"], KnownHosts: env["LAB_SSH_KNOWN_HOSTS"], ConnectTimeout: 5 * time.Second}
			}
		}
	}
	if pick == nil {
		return absent("no direct host in hosts.json")
	}
	t.Logf("lab host %s (%s:%d)", pick.Name, pick.Address, pick.Port)
	pool := ssh.NewPool(ssh.Options{ConfigFile: "none", AgentSocket: "none", HomeDir: t.TempDir()})
	t.Cleanup(func() { _ = pool.Close() })
	conn, err := pool.Dial(context.Background(), pick)
	if err != nil {
		if os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" {
			t.Fatalf("dial %s: %v", pick.Name, err)
		}
		t.Skipf("ssh lab host %s not reachable: %v", pick.Name, err)
	}
	return conn
}

// labDir makes a fresh directory on the lab host and removes it after the
// test.
func labDir(t *testing.T, conn transport.Conn) string {
	t.Helper()
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"mktemp", "-d", "/tmp/rb-command-test.XXXXXXXX"}})
	if err != nil || res.RC != 0 {
		t.Fatalf("mktemp on the lab host: %v %v", err, res)
	}
	dir := strings.TrimSpace(string(res.Stdout))
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"rm", "-rf", "--", dir}})
	})
	return dir
}
