package local

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/internal/labdir"
)

// labBecome returns the SSH lab's sudo user (rb, who must always give his
// password) and that password. It skips the test when the lab is absent,
// and fails it instead when RUNBOOK_LAB_REQUIRED=1 (as in CI).
func labBecome(t *testing.T) (user, password string) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests are not short")
	}
	absent := func(why string) {
		t.Helper()
		labdir.Absent(t, "ssh lab not available (%s); start it with lab/ssh/up.sh", why)
	}
	b, err := os.ReadFile(labdir.File(t, "ssh", "become_password"))
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
