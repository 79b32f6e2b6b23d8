package wait_for

import (
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
)

// TestLabOverSSH checks from a real host over the SSH transport: its sshd
// port on its own loopback, a closed port, and a file.
func TestLabOverSSH(t *testing.T) {
	conn, host := labHost(t)
	if p := plan(t, conn, "port = 22"); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("port 22 on %s: %v %v %s", host, p.Err, p.Action, p.Reason)
	}
	p := plan(t, conn, "port = 1")
	if p.Err != nil || p.Action != module.Change || !strings.Contains(p.Reason, "(now: connection refused)") {
		t.Errorf("port 1 on %s: %v %v %s", host, p.Err, p.Action, p.Reason)
	}
	_, a := runOn(t, conn, host, "port = 1\ntimeout = \"1s\"\ninterval = \"300ms\"")
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "to be open on "+host) {
		t.Errorf("timeout: %+v", a)
	}
	if p := plan(t, conn, "path = \"/etc/hostname\"\nregexp = \""+host+"\""); p.Err != nil || p.Action != module.NoOp ||
		p.Outputs.GetAttr("match").AsString() != host {
		t.Errorf("/etc/hostname on %s: %v %v %s", host, p.Err, p.Action, p.Reason)
	}
}
