package template

import (
	"testing"

	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabConvergeAgreesWithPlanAndApply: a run's Converge (one command
// where the file is new) does what Plan and Apply do.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	fdtest.Converge(t, New(), []fdtest.ConvergeCase{
		{Name: "new file", Args: `dest = "%D/t"
template = "port = $${port}\n"
vars = { port = 8779 }
mode = "0640"`, Change: true},
		{Name: "already as wanted", Setup: `printf 'port = 8779\n' > t`, Args: `dest = "%D/t"
template = "port = $${port}\n"
vars = { port = 8779 }`},
		{Name: "other content", Setup: `printf 'port = 1\n' > t`, Args: `dest = "%D/t"
template = "port = $${port}\n"
vars = { port = 8779 }`, Change: true},
		{Name: "sensitive vars", Args: `dest = "%D/t"
template = "password = $${pw}\n"
vars = { pw = "s3cr3t" }`, Sensitive: "vars", Change: true},
	})
}
