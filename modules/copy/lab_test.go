package copy

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/filediff"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabSSH copies over SSH to a systemd lab host: a new file with owner,
// group and mode; a replacement with a backup that keeps the old owner and
// mode; a plan that writes nothing; a second plan that is a no-op.
func TestLabSSH(t *testing.T) {
	conn, host := fdtest.LabConn(t)
	dir := fdtest.LabDir(t, conn, "/etc")
	ctx := context.Background()
	m := New()
	path := dir + "/api-paste.ini"

	steps := []struct {
		body, content, wantStat string
		wantBackup              bool
	}{
		{body: `owner = "nobody"` + "\ngroup = \"trove\"\nmode = \"0640\"", content: "[pipeline:main]\npipeline = faultwrapper troveapi\n", wantStat: "nobody:trove 640"},
		{body: `backup = true`, content: "[pipeline:main]\npipeline = troveapi\n", wantStat: "nobody:trove 640", wantBackup: true},
		{body: `mode = "0600"`, content: "[pipeline:main]\npipeline = troveapi\n", wantStat: "nobody:trove 600"},
	}
	for i, s := range steps {
		req := moduletest.Request(moduletest.Args(t, m, "dest = \""+path+"\"\ncontent = "+quote(s.content)+"\n"+s.body), conn, host)
		before := fdtest.HostSnapshot(t, conn, dir)
		p := moduletest.Plan(t, m, req)
		if p.Err != nil || p.Action != module.Change {
			t.Fatalf("step %d: plan %v %q %v", i, p.Action, p.Reason, p.Err)
		}
		if fdtest.HostSnapshot(t, conn, dir) != before {
			t.Fatalf("step %d: the plan changed the host", i)
		}
		_, a := moduletest.Run(t, m, req)
		if a == nil || a.Err != nil || !a.Changed {
			t.Fatalf("step %d: apply %+v", i, a)
		}
		var got bytes.Buffer
		if err := conn.Download(ctx, path, &got); err != nil || got.String() != s.content {
			t.Errorf("step %d: host file %q %v", i, got.String(), err)
		}
		if st := fdtest.HostExec(t, conn, "stat", "-c", "%U:%G %a", path); st != s.wantStat+"\n" {
			t.Errorf("step %d: %q, want %s", i, st, s.wantStat)
		}
		if sum := strings.Fields(fdtest.HostExec(t, conn, "sha256sum", path))[0]; sum != a.Outputs.GetAttr("checksum").AsString() || sum != filediff.Checksum([]byte(s.content)) {
			t.Errorf("step %d: checksum output %s, host %s", i, a.Outputs.GetAttr("checksum").AsString(), sum)
		}
		backup := a.Outputs.GetAttr("backup").AsString()
		if s.wantBackup != (backup != "") {
			t.Errorf("step %d: backup %q", i, backup)
		}
		if backup != "" {
			if st := fdtest.HostExec(t, conn, "stat", "-c", "%U:%G %a", backup); st != "nobody:trove 640\n" {
				t.Errorf("backup %s: %q", backup, st)
			}
		}
		if again := moduletest.Plan(t, m, req); again.Err != nil || again.Action != module.NoOp {
			t.Errorf("step %d: second plan %v %q %v", i, again.Action, again.Reason, again.Err)
		}
	}
	if left := fdtest.HostExec(t, conn, "find", dir, "-name", ".*runbook*"); left != "" {
		t.Errorf("staging files left: %s", left)
	}
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"`
}
