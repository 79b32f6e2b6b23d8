package lineinfile

import (
	"context"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH edits a hosts file on a systemd lab host over SSH.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	dir := fdtest.LabDir(t, conn, "/etc")
	path := dir + "/hosts"
	if err := conn.Upload(context.Background(), strings.NewReader(hosts), path, 0o644); err != nil {
		t.Fatal(err)
	}
	m := New()
	steps := []struct{ body, want string }{
		{`regexp = "\\scontroller$"` + "\nline = \"10.233.0.1 controller\"", strings.Replace(hosts, "10.0.0.5", "10.233.0.1", 1)},
		{`line = "10.233.0.11 sd01"` + "\ninsertafter = \"controller$\"", strings.Replace(hosts, "10.0.0.5 controller\n", "10.233.0.1 controller\n10.233.0.11 sd01\n", 1)},
		{`regexp = "^::1"` + "\nstate = \"absent\"", "127.0.0.1 localhost\n10.233.0.1 controller\n10.233.0.11 sd01\n\n# IPv6\n"},
	}
	for i, s := range steps {
		req := moduletest.Request(moduletest.Args(t, m, "path = \""+path+"\"\n"+s.body), conn, host)
		before := fdtest.HostSnapshot(t, conn, dir)
		if p := moduletest.Plan(t, m, req); p.Err != nil || p.Action != module.Change {
			t.Fatalf("step %d: plan %v %q %v", i, p.Action, p.Reason, p.Err)
		}
		if fdtest.HostSnapshot(t, conn, dir) != before {
			t.Fatalf("step %d: the plan changed the host", i)
		}
		if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
			t.Fatalf("step %d: apply %+v", i, a)
		}
		if got := fdtest.HostExec(t, conn, "cat", path); got != s.want {
			t.Errorf("step %d: host file %q, want %q", i, got, s.want)
		}
		if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
			t.Errorf("step %d: second plan %v %q", i, again.Action, again.Reason)
		}
	}
}
