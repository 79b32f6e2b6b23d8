package local

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// labBecome returns the SSH lab's sudo user (rb, who must always give his
// password) and that password. It skips the test when the lab is absent,
// and fails it instead when RUNBOOK_LAB_REQUIRED=1 (as in CI).
func labBecome(t *testing.T) (user, password string) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests are not short")
	}
	root := os.Getenv("RUNBOOK_LAB_DIR")
	if root == "" {
		root = "/tmp/runbook-lab"
	}
	absent := func(why string) {
		if os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" {
			t.Fatalf("ssh lab required but %s", why)
		}
		t.Skipf("ssh lab not available (%s); start it with lab/ssh/up.sh", why)
	}
	b, err := os.ReadFile(filepath.Join(root, "ssh", "become_password"))
	if err != nil {
		absent(err.Error())
	}
	if os.Geteuid() != 0 {
		absent("switching to the lab user needs root")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		absent("no setpriv")
	}
	return "rb", strings.TrimRight(string(b), "\n")
}
