package fdtest

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
)

// ConvergeCase is one task of a module.Converger's conformance on the lab
// host: the host is set up by Setup (sh, in the case's own folder $1),
// Args may name that folder as %D.
type ConvergeCase struct {
	Name, Setup, Args string
	// Change: Converge changes the host; Err: it fails saying this (and,
	// like the plan, leaves the host as it was).
	Change bool
	Err    string
	// Sensitive names an argument whose value is sensitive.
	Sensitive string
}

// backupTimes are the parts of a file module's outputs and diffs that
// differ between two runs of one case.
var backupTimes = regexp.MustCompile(`\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~|\.runbook-[0-9a-f]+`)

// Converge runs moduletest.Converge (Converge against Plan and Apply) for
// each case on the lab host (LabConn), in a folder made for it under a
// fresh one in /etc, and checks the case's outcome; a case that fails must
// leave the folder untouched. It returns the connection and that folder.
func Converge(t *testing.T, m module.Module, cases []ConvergeCase) (transport.Conn, string) {
	t.Helper()
	conn, host := LabConn(t)
	dir := LabDir(t, conn, "/etc")
	for _, c := range cases {
		d := dir + "/case"
		reset := func() {
			script := `rm -rf -- "$1" && mkdir -- "$1" && cd -- "$1" && ` + strings.TrimSpace("true; "+c.Setup)
			res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"/bin/sh", "-c", script, "sh", d}})
			if err != nil || res.RC != 0 {
				t.Fatalf("%s: setup: %v %+v", c.Name, err, res)
			}
		}
		req := moduletest.Request(moduletest.Args(t, m, strings.ReplaceAll(c.Args, "%D", d)), conn, host)
		if c.Sensitive != "" {
			req.Sensitive = []cty.Path{cty.GetAttrPath(c.Sensitive)}
		}
		var before string
		cr := moduletest.Converge(t, m, req, func() { reset(); before = HostSnapshot(t, conn, d) }, backupTimes)
		if t.Failed() {
			t.Fatalf("%s: Converge and Plan+Apply differ (above)", c.Name)
		}
		switch {
		case c.Err != "":
			if cr.Err == nil || !strings.Contains(cr.Err.Error(), c.Err) {
				t.Errorf("%s: Converge err %v, want %q", c.Name, cr.Err, c.Err)
			}
			// The folder's own times may move (a staged file made and
			// removed, as Apply does), not what is in it.
			if after := HostSnapshot(t, conn, d); withoutTop(after) != withoutTop(before) {
				t.Errorf("%s: a failed Converge changed the host:\n%s\n--- after\n%s", c.Name, before, after)
			}
		case cr.Err != nil:
			t.Errorf("%s: Converge: %v", c.Name, cr.Err)
		case (cr.Action == module.Change) != c.Change:
			t.Errorf("%s: Converge %v %q, want a change: %v", c.Name, cr.Action, cr.Reason, c.Change)
		}
	}
	return conn, dir
}

// withoutTop leaves out the line of the folder itself (".") of a snapshot.
func withoutTop(snap string) string {
	var keep []string
	for _, l := range strings.Split(snap, "\n") {
		if !strings.HasPrefix(l, ". ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
