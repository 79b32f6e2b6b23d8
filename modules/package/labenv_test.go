package pkg

import (
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// labDir is where the lab keeps its state ($RUNBOOK_LAB_DIR).
func labDir() string { return labtest.Dir() }

// labAbsent skips the test, or fails it when the lab is required (CI).
func labAbsent(t testing.TB, format string, args ...any) {
	t.Helper()
	labtest.Absent(t, format, args...)
}

// labHost connects to the first host of lab/systemd (see
// internal/labtest.SystemdHost).
func labHost(t testing.TB) (transport.Conn, string) {
	t.Helper()
	return labtest.SystemdHost(t)
}
