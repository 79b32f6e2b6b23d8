package script

import (
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH runs a script on a systemd lab host over SSH: arguments
// arrive as argv, and the uploaded copy is gone afterwards.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/hello.sh"
args = ["it's", "$(hostname)"]
env = { RB_X = "lab" }
chdir = "/etc"`), conn, host)
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	out := a.Outputs.GetAttr("stdout").AsString()
	if !strings.HasSuffix(out, "arg=[it's]\narg=[$(hostname)]\nenv=lab pwd=/etc") {
		t.Errorf("stdout %q", out)
	}
	self := selfRe.FindStringSubmatch(out)
	if self == nil {
		t.Fatalf("no self= line in %q", out)
	}
	if left := fdtest.HostExec(t, conn, "sh", "-c", `test -e "$1" && echo left || true`, "sh", self[1]); left != "" {
		t.Errorf("the uploaded copy %s is still on the host", self[1])
	}
	req = moduletest.Request(moduletest.Args(t, m, `src = "testdata/fail.sh"
executable = "sh"`), conn, host)
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "exit status 4: broken: cannot reach") {
		t.Errorf("failing script: %+v", a)
	}
}
