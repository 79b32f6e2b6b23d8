package file

import (
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH makes a directory, a file, a link, changes attributes and
// removes things on a systemd lab host over SSH; every plan leaves the host
// as it was and every second plan is a no-op.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	dir := fdtest.LabDir(t, conn, "/etc")
	steps := []struct {
		body  string
		check []string // argv whose output must be want
		want  string
	}{
		{`path = "%D/conf.d/a"` + "\nstate = \"directory\"\nowner = \"trove\"\nmode = \"0750\"", []string{"stat", "-c", "%F %U %a", "%D/conf.d/a"}, "directory trove 750\n"},
		{`path = "%D/conf.d/a/x.conf"` + "\nstate = \"touch\"\ngroup = \"trove\"\nmode = \"0640\"", []string{"stat", "-c", "%F %G %a %s", "%D/conf.d/a/x.conf"}, "regular empty file trove 640 0\n"},
		{`path = "%D/current"` + "\nstate = \"link\"\nsrc = \"conf.d/a\"", []string{"readlink", "%D/current"}, "conf.d/a\n"},
		{`path = "%D/current"` + "\nstate = \"link\"\nsrc = \"conf.d\"", []string{"readlink", "%D/current"}, "conf.d\n"},
		{`path = "%D/conf.d/a/x.conf"` + "\nmode = \"0600\"", []string{"stat", "-c", "%a", "%D/conf.d/a/x.conf"}, "600\n"},
		{`path = "%D/conf.d"` + "\nstate = \"absent\"", []string{"ls", "-A", "%D"}, "current\n"},
	}
	m := New()
	for i, s := range steps {
		sub := func(x string) string { return strings.ReplaceAll(x, "%D", dir) }
		req := moduletest.Request(moduletest.Args(t, m, sub(s.body)), conn, host)
		before := fdtest.HostSnapshot(t, conn, dir)
		p := moduletest.Plan(t, m, req)
		if p.Err != nil || p.Action != module.Change {
			t.Fatalf("step %d: plan %v %q %v", i, p.Action, p.Reason, p.Err)
		}
		if fdtest.HostSnapshot(t, conn, dir) != before {
			t.Fatalf("step %d: the plan changed the host", i)
		}
		if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil || !a.Changed {
			t.Fatalf("step %d: apply %+v", i, a)
		}
		argv := make([]string, len(s.check))
		for j, x := range s.check {
			argv[j] = sub(x)
		}
		if got := fdtest.HostExec(t, conn, argv...); got != s.want {
			t.Errorf("step %d: %v = %q, want %q", i, argv, got, s.want)
		}
		if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
			t.Errorf("step %d: second plan %v %q %v", i, again.Action, again.Reason, again.Err)
		}
	}
}
