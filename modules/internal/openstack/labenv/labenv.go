// Package labenv lets tests find the lab's OpenStack (lab/openstack/up.sh):
// it reads the lab's openstack/env (internal/labdir: only when lab tests are asked for) and
// points OS_CLIENT_CONFIG_FILE at the lab's clouds.yaml. Without the lab a
// test is skipped, unless RUNBOOK_LAB_REQUIRED=1 (CI), when it fails.
//
// It is imported by tests only.
package labenv

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/internal/labdir"
)

// Env is the lab's env file as a map (LAB_GLANCE_URL, LAB_IMAGE_ID...).
type Env map[string]string

// Dir returns the lab directory (internal/labdir).
func Dir() string { return labdir.Dir() }

// OpenStack returns the lab's OpenStack env, after checking that Keystone,
// Glance and Trove answer, and sets OS_CLIENT_CONFIG_FILE for the test.
func OpenStack(t testing.TB) Env {
	t.Helper()
	env := Env(labdir.Env(t, "openstack"))
	for _, k := range []string{"LAB_KEYSTONE_URL", "LAB_GLANCE_URL", "LAB_TROVE_BASE_URL"} {
		if !reachable(env[k]) {
			labdir.Absent(t, "lab OpenStack: %s=%s does not answer (run lab/openstack/up.sh)", k, env[k])
		}
	}
	t.Setenv("OS_CLIENT_CONFIG_FILE", env["LAB_OS_CLOUDS_YAML"])
	t.Setenv("OS_CLOUD", "")
	env["LAB_TROVE_CLOUD_DEMO"] = env["LAB_OS_CLOUD_DEMO"]
	env["LAB_TROVE_CLOUD_ADMIN"] = env["LAB_OS_CLOUD_ADMIN"]
	if env["LAB_TROVE_AUTH"] == "fake" {
		troveFakeClouds(t, env)
	}
	return env
}

// troveFakeClouds handles a lab whose Trove runs with Trove's fake auth
// (token == tenant): the lab's clouds reach Keystone and Glance, and two
// more clouds of auth_type trove-fake reach Trove, named in
// LAB_TROVE_CLOUD_DEMO and LAB_TROVE_CLOUD_ADMIN (a token starting with
// "admin" is an admin there).
func troveFakeClouds(t testing.TB, env Env) {
	t.Helper()
	clouds, err := os.ReadFile(env["LAB_OS_CLOUDS_YAML"])
	if err != nil {
		t.Fatalf("lab clouds.yaml: %v", err)
	}
	secure, err := os.ReadFile(env["LAB_OS_SECURE_YAML"])
	if err != nil {
		t.Fatalf("lab secure.yaml: %v", err)
	}
	dir := t.TempDir()
	extra := ""
	for _, c := range []struct{ name, project string }{{"lab-trove-fake-demo", env["LAB_TROVE_TENANT"]}, {"lab-trove-fake-admin", "admin"}} {
		extra += "  " + c.name + ":\n    auth_type: trove-fake\n    auth:\n      project_id: " + c.project +
			"\n    database_endpoint_override: " + env["LAB_TROVE_BASE_URL"] + "/v1.0/$(project_id)s/\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "clouds.yaml"), append(clouds, []byte("\n"+extra)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secure.yaml"), secure, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(dir, "clouds.yaml"))
	env["LAB_TROVE_CLOUD_DEMO"] = "lab-trove-fake-demo"
	env["LAB_TROVE_CLOUD_ADMIN"] = "lab-trove-fake-admin"
}

func reachable(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Secret reads the file named by env[key] (a *_PASSWORD_FILE).
func (e Env) Secret(t testing.TB, key string) string {
	t.Helper()
	b, err := os.ReadFile(e[key])
	if err != nil {
		t.Fatalf("lab secret %s: %v", key, err)
	}
	return strings.TrimSpace(string(b))
}
