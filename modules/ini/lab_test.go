package ini

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH edits a real trove.conf on a systemd lab host over SSH: the
// plan leaves the host as it was, the apply writes exactly what the same
// edit writes locally, keeps owner root:trove and mode 0640, and a second
// plan is a no-op. A malformed file fails with its line number and is left
// alone.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	dir := fdtest.LabDir(t, conn, "/etc")
	ctx := context.Background()
	orig, err := os.ReadFile("testdata/trove.conf.sample")
	if err != nil {
		t.Fatal(err)
	}
	path := dir + "/trove.conf"
	if err := conn.Upload(ctx, bytes.NewReader(orig), path, 0o640); err != nil {
		t.Fatal(err)
	}
	fdtest.HostExec(t, conn, "chown", "root:trove", path)

	body := `section = "DEFAULT"
values = { debug = true, transport_url = "rabbit://stackrabbit:pw@10.233.0.1:5672/", notification_topics = ["a", "b"] }
absent = ["nope"]`
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, "path = \""+path+"\"\n"+body), conn, host)
	before := fdtest.HostSnapshot(t, conn, dir)
	p := moduletest.Plan(t, m, req)
	if p.Err != nil || p.Action != module.Change || len(p.Diff.Items) != 3 {
		t.Fatalf("plan %v %q %v %+v", p.Action, p.Reason, p.Err, p.Diff)
	}
	if after := fdtest.HostSnapshot(t, conn, dir); after != before {
		t.Fatalf("the plan changed the host:\n%s\n%s", before, after)
	}
	_, a := moduletest.Run(t, m, req)
	if a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("apply %+v", a)
	}

	// The same edit on the local transport gives the same bytes.
	ldir := t.TempDir()
	lpath := filepath.Join(ldir, "trove.conf")
	if err := os.WriteFile(lpath, orig, 0o640); err != nil {
		t.Fatal(err)
	}
	lreq := moduletest.Request(moduletest.Args(t, m, "path = \""+lpath+"\"\n"+body), local.New("h1"), "")
	if _, la := moduletest.Run(t, m, lreq); la == nil || la.Err != nil {
		t.Fatalf("local apply %+v", la)
	}
	want, _ := os.ReadFile(lpath)
	var got bytes.Buffer
	if err := conn.Download(ctx, path, &got); err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("the host's file differs from the local edit")
	}
	if st := fdtest.HostExec(t, conn, "stat", "-c", "%U:%G %a", path); st != "root:trove 640\n" {
		t.Errorf("after apply: %q, want root:trove 640", st)
	}
	if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
		t.Errorf("second plan %v %q %v", again.Action, again.Reason, again.Err)
	}

	bad := dir + "/bad.conf"
	if err := conn.Upload(ctx, strings.NewReader("[DEFAULT]\ndebug = true\nbroken line\n"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	before = fdtest.HostSnapshot(t, conn, dir)
	breq := moduletest.Request(moduletest.Args(t, m, "path = \""+bad+"\"\n"+body), conn, host)
	if p, a := moduletest.Run(t, m, breq); p.Err == nil || !strings.Contains(p.Err.Error(), bad+":3:") || a != nil {
		t.Errorf("malformed: plan err %v", p.Err)
	}
	if after := fdtest.HostSnapshot(t, conn, dir); after != before {
		t.Error("a failed plan changed the host")
	}
}
