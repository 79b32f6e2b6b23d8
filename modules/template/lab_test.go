package template

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH renders the guest agent template onto a systemd lab host
// over SSH.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	dir := fdtest.LabDir(t, conn, "/etc")
	want, err := os.ReadFile("testdata/trove-guestagent.conf.want")
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "testdata/trove-guestagent.conf.tpl"
dest = "`+dir+`/guest.conf"
group = "trove"
mode = "0640"
`+guestVars), conn, host)
	before := fdtest.HostSnapshot(t, conn, dir)
	if p := moduletest.Plan(t, m, req); p.Err != nil || p.Action != module.Change {
		t.Fatalf("plan %v %q %v", p.Action, p.Reason, p.Err)
	}
	if fdtest.HostSnapshot(t, conn, dir) != before {
		t.Fatal("the plan changed the host")
	}
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	var got bytes.Buffer
	if err := conn.Download(context.Background(), dir+"/guest.conf", &got); err != nil || got.String() != string(want) {
		t.Errorf("host file:\n%s (%v)\nwant:\n%s", got.String(), err, want)
	}
	if st := fdtest.HostExec(t, conn, "stat", "-c", "%G %a", dir+"/guest.conf"); st != "trove 640\n" {
		t.Errorf("stat %q", st)
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
		t.Errorf("second plan %v %q", again.Action, again.Reason)
	}
}
