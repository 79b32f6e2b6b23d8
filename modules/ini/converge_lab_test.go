package ini

import (
	"testing"

	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabConvergeAgreesWithPlanAndApply: a run's Converge (one command
// where the file is new) does what Plan and Apply do.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	fdtest.Converge(t, New(), []fdtest.ConvergeCase{
		{Name: "new file", Args: `path = "%D/a.ini"
section = "DEFAULT"
values = { debug = false, transport_url = "rabbit://u:pw@h:5672/" }
create = true
mode = "0640"`, Change: true},
		{Name: "already as wanted", Setup: `printf '[DEFAULT]\ndebug = false\n' > a.ini`, Args: `path = "%D/a.ini"
section = "DEFAULT"
values = { debug = false }
create = true`},
		{Name: "a value differs", Setup: `printf '[DEFAULT]\ndebug = true\n' > a.ini`, Args: `path = "%D/a.ini"
section = "DEFAULT"
values = { debug = false }
create = true`, Change: true},
		{Name: "no create: plans as usual", Setup: `printf '[DEFAULT]\n' > a.ini`, Args: `path = "%D/a.ini"
section = "DEFAULT"
values = { debug = false }`, Change: true},
		{Name: "a directory that does not exist", Args: `path = "%D/no/a.ini"
section = "DEFAULT"
values = { debug = false }
create = true`, Err: "does not exist"},
	})
}
