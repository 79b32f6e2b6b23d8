package pkg

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
)

// labDir is where the lab keeps its state ($RUNBOOK_LAB_DIR).
func labDir() string {
	if d := os.Getenv("RUNBOOK_LAB_DIR"); d != "" {
		return d
	}
	return "/tmp/runbook-lab"
}

// labAbsent skips the test, or fails it when the lab is required (CI).
func labAbsent(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = strings.Trim(v, `"'`)
		}
	}
	return env, sc.Err()
}

// labHost connects over SSH (the project's own transport, host keys
// checked strictly) to the first host of lab/systemd and returns the Conn
// and the host's name.
func labHost(t testing.TB) (transport.Conn, string) {
	t.Helper()
	path := filepath.Join(labDir(), "systemd", "env")
	env, err := readEnv(path)
	if err != nil {
		labAbsent(t, "systemd lab env %s: %v (run lab/systemd/up.sh)", path, err)
	}
	names := strings.Split(env["LAB_SYSTEMD_HOSTS"], ",")
	addrs := strings.Split(env["LAB_SYSTEMD_ADDRESSES"], ",")
	if len(names) == 0 || names[0] == "" || len(addrs) != len(names) {
		labAbsent(t, "systemd lab env %s lists no hosts", path)
	}
	pool := ssh.NewPool(ssh.Options{ConfigFile: "none", AgentSocket: "none", HomeDir: t.TempDir()})
	t.Cleanup(func() { pool.Close() })
	ep := &transport.Endpoint{
		Name: names[0], Transport: "ssh", Address: addrs[0], Port: 22, User: env["LAB_SYSTEMD_USER"],
		PrivateKey: env["LAB_SYSTEMD_KEY"], KnownHosts: env["LAB_SYSTEMD_KNOWN_HOSTS"],
		HostKeyChecking: transport.HostKeyStrict, ConnectTimeout: 5 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pool.Dial(ctx, ep)
	if err == nil {
		_, err = conn.Exec(ctx, &transport.Cmd{Argv: []string{"true"}})
	}
	if err != nil {
		labAbsent(t, "systemd lab host %s (%s): %v (run lab/systemd/up.sh)", names[0], addrs[0], err)
	}
	return conn, names[0]
}
