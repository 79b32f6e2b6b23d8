package hostfs

import (
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
)

// labConn dials a host of the SSH lab (see internal/labtest.SSHConn).
func labConn(t *testing.T) transport.Conn { return labtest.SSHConn(t) }

// labDir makes a fresh directory on the lab host, removed after the test.
func labDir(t *testing.T, conn transport.Conn) string {
	return labtest.TempDir(t, conn, "rb-hostfs-test")
}
