package wait_for

import (
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// labHost connects to the first host of lab/systemd (see
// internal/labtest.SystemdHost).
func labHost(t testing.TB) (transport.Conn, string) {
	t.Helper()
	return labtest.SystemdHost(t)
}
