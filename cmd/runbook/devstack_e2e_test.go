package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// devstackInventory is inventories/devstack.hcl as shipped with only
// devstack1's address, the lab's key and known_hosts put in: what a DevStack
// user runs is what the lab runs.
func devstackInventory(t *testing.T, ds *labtest.Devstack) string {
	t.Helper()
	b, err := os.ReadFile("../../inventories/devstack.hcl")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for old, new := range map[string]string{
		`"192.0.2.10"`:         `"` + ds.Env["LAB_DEVSTACK_ADDRESS"] + `"`,
		`"~/.ssh/id_ed25519"`:  `"` + ds.Env["LAB_DEVSTACK_KEY"] + `"`,
		`"~/.ssh/known_hosts"`: `"` + ds.Env["LAB_DEVSTACK_KNOWN_HOSTS"] + `"`,
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("inventories/devstack.hcl no longer has %s: update the lab's substitution", old)
		}
		s = strings.ReplaceAll(s, old, new)
	}
	p := filepath.Join(t.TempDir(), "devstack.hcl")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDevstackInventoryOnLab runs a runbook through inventories/devstack.hcl
// against devstack1: it logs in as stack, becomes root with sudo, and every
// host var the Trove runbook uses names something real there (the runbook's
// own failed_when checks the users).
func TestDevstackInventoryOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("lab end-to-end test")
	}
	ds := labtest.DevstackHost(t)
	inv := devstackInventory(t, ds)
	r := run(t, nil, "run", "--json", "-i", inv, "testdata/devstack-inventory")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st := r.finished()
	for _, task := range []string{"login", "become", "trove_units", "trove_conf", "trove_manage", "trove_python", "code_paths", "image_dir"} {
		if got := st["task."+task+"@devstack"]; got != "ok" {
			t.Errorf("task %s: %q, want ok", task, got)
		}
	}
}
