package fetch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH fetches a lab host's /etc/hostname over SSH into the
// DEST/HOST/SRC layout.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	ctl := t.TempDir()
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, `src = "/etc/hostname"
dest = "`+ctl+`"`), conn, host)
	if p := moduletest.Plan(t, m, req); p.Err != nil || p.Action != module.Change {
		t.Fatalf("plan %v %q %v", p.Action, p.Reason, p.Err)
	}
	if entries, _ := os.ReadDir(ctl); len(entries) != 0 {
		t.Fatal("the plan wrote on the control node")
	}
	if _, a := moduletest.Run(t, m, req); a == nil || a.Err != nil {
		t.Fatalf("apply %+v", a)
	}
	b, err := os.ReadFile(filepath.Join(ctl, host, "etc", "hostname"))
	if err != nil || strings.TrimSpace(string(b)) != host {
		t.Errorf("fetched %q %v, want the host's name %s", b, err, host)
	}
	if again := moduletest.Plan(t, m, req); again.Action != module.NoOp {
		t.Errorf("second plan %v %q", again.Action, again.Reason)
	}
}
