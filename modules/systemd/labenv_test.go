package systemd

import (
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// labHost connects to the first host of lab/systemd (see
// internal/labtest.SystemdHost) and takes its test units for the test.
func labHost(t testing.TB) (transport.Conn, string) {
	t.Helper()
	conn, host := labtest.SystemdHost(t)
	labtest.SystemdUnits(t)
	return conn, host
}
