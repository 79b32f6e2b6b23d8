package lineinfile

import (
	"testing"

	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabConvergeAgreesWithPlanAndApply: a run's Converge (one command
// where the file is new) does what Plan and Apply do.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	fdtest.Converge(t, New(), []fdtest.ConvergeCase{
		{Name: "new file", Args: `path = "%D/hosts"
regexp = "\\scontroller$"
line = "10.0.0.1 controller"
create = true
owner = "nobody"`, Change: true},
		{Name: "already there", Setup: `printf 'a\n10.0.0.1 controller\n' > hosts`, Args: `path = "%D/hosts"
regexp = "\\scontroller$"
line = "10.0.0.1 controller"
create = true`},
		{Name: "replaces a line", Setup: `printf 'a\n10.0.0.9 controller\n' > hosts`, Args: `path = "%D/hosts"
regexp = "\\scontroller$"
line = "10.0.0.1 controller"
create = true`, Change: true},
		{Name: "an owner the host does not have", Args: `path = "%D/hosts"
line = "x"
create = true
owner = "rb-no-such-user"`, Err: "rb-no-such-user"},
		{Name: "no create and no file", Args: `path = "%D/hosts"
line = "x"`, Err: "does not exist"},
	})
}
