package local_test

import (
	"testing"

	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/engine/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Conformance(t, transporttest.Target{Conn: local.New("localhost"), Dir: t.TempDir()})
}
