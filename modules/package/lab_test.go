package pkg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
)

// testPkg is a tiny package with no dependencies beyond what every host has.
const testPkg = "sl"

// stageDeb puts testPkg's .deb into the host's apt archive cache, so that
// apt-get on a lab host, which has no route out, installs it without
// downloading. The .deb is fetched here with `apt-get download`.
func stageDeb(t *testing.T, conn transport.Conn) {
	t.Helper()
	dir := filepath.Join(labDir(), "package-cache")
	debs, _ := filepath.Glob(filepath.Join(dir, testPkg+"_*.deb"))
	if len(debs) == 0 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("apt-get", "download", "-q", testPkg)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			labAbsent(t, "apt-get download %s: %v\n%s", testPkg, err, out)
		}
		debs, _ = filepath.Glob(filepath.Join(dir, testPkg+"_*.deb"))
	}
	if len(debs) == 0 {
		t.Fatalf("no %s .deb in %s", testPkg, dir)
	}
	f, err := os.Open(debs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := conn.Upload(context.Background(), f, "/var/cache/apt/archives/"+filepath.Base(debs[0]), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runOn(t *testing.T, conn transport.Conn, host, src string) (*module.PlanResponse, *module.ApplyResponse) {
	t.Helper()
	m := New()
	return moduletest.Run(t, m, moduletest.Request(moduletest.Args(t, m, src), conn, host))
}

// TestLabInstallRemove installs and removes a real package on a lab host
// (its root is an overlay on tmpfs: safe to install into).
func TestLabInstallRemove(t *testing.T) {
	conn, host := labHost(t)
	ctx := context.Background()
	t.Cleanup(func() {
		_, _ = conn.Exec(ctx, &transport.Cmd{Argv: []string{"apt-get", "purge", "-y", "-q", testPkg}, Env: aptEnv})
	})
	inst, err := dpkgQuery(ctx, conn, []string{testPkg})
	if err != nil {
		t.Fatal(err)
	}
	if inst[testPkg].ok() {
		if _, a := runOn(t, conn, host, "name = \""+testPkg+"\"\nstate = \"absent\"\npurge = true"); a == nil || a.Err != nil {
			t.Fatalf("cleaning up a previous run: %+v", a)
		}
	}
	stageDeb(t, conn)
	pols, err := aptPolicy(ctx, conn, []string{testPkg})
	if err != nil {
		t.Fatal(err)
	}
	version := pols[testPkg].candidate

	// Check mode: the plan says what would change and changes nothing.
	before := dpkgStatus(t, conn, testPkg)
	present := "name = \"" + testPkg + "\"\nlock_timeout = \"2m\""
	p := planOn(t, conn, host, present)
	if p.Err != nil || p.Action != module.Change || diffText(p.Diff) != testPkg+": absent -> "+version {
		t.Fatalf("plan: %v %v %q", p.Err, p.Action, diffText(p.Diff))
	}
	if after := dpkgStatus(t, conn, testPkg); after != before {
		t.Fatalf("plan changed the host:\n%s\n%s", before, after)
	}

	// Run: installs; the second plan is a no-op.
	var lines []string
	m := New()
	req := moduletest.Request(moduletest.Args(t, m, present), conn, host)
	req.Output = func(_, l string) { lines = append(lines, l) }
	a := m.Apply(ctx, &module.ApplyRequest{Request: req, Planned: p})
	if a.Err != nil || !a.Changed {
		t.Fatalf("apply: %v", a.Err)
	}
	if !a.Outputs.Type().Equals(m.Schema().Outputs) {
		t.Errorf("outputs type %#v does not match the schema", a.Outputs.Type())
	}
	out := a.Outputs.GetAttr("packages").Index(cty.StringVal(testPkg))
	if out.GetAttr("before").AsString() != "" || out.GetAttr("after").AsString() != version {
		t.Errorf("outputs %#v", out)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "Setting up "+testPkg) {
		t.Errorf("apt's progress was not streamed: %q", lines)
	}
	if res, _ := conn.Exec(ctx, &transport.Cmd{Argv: []string{"test", "-x", "/usr/games/sl"}}); res == nil || res.RC != 0 {
		t.Error("/usr/games/sl is not there after install")
	}
	if p := planOn(t, conn, host, present); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("second plan: %v %v %s", p.Err, p.Action, p.Reason)
	}
	if p := planOn(t, conn, host, "name = \""+testPkg+"\"\nstate = \"latest\""); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("latest: %v %v %s", p.Err, p.Action, p.Reason)
	}

	// Remove, then purge what remains.
	absent := "name = \"" + testPkg + "\"\nstate = \"absent\""
	p, a = runOn(t, conn, host, absent)
	if p.Err != nil || diffText(p.Diff) != testPkg+": "+version+" -> absent" || a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("remove: plan %v %q, apply %+v", p.Err, diffText(p.Diff), a)
	}
	if p := planOn(t, conn, host, absent); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("second plan after remove: %v %v %s", p.Err, p.Action, p.Reason)
	}
	if res, _ := conn.Exec(ctx, &transport.Cmd{Argv: []string{"test", "-e", "/usr/games/sl"}}); res == nil || res.RC == 0 {
		t.Error("/usr/games/sl is still there after remove")
	}

	// Errors, before anything changes.
	before = dpkgStatus(t, conn, testPkg)
	if _, a := runOn(t, conn, host, `names = ["`+testPkg+`", "runbook-no-such-package"]`); a != nil {
		t.Errorf("applied despite an unknown package: %+v", a)
	}
	if p := planOn(t, conn, host, `names = ["`+testPkg+`", "runbook-no-such-package"]`); p.Err == nil ||
		!strings.Contains(p.Err.Error(), "package runbook-no-such-package not found in the apt sources of "+host) {
		t.Errorf("unknown package: %v", p.Err)
	}
	if after := dpkgStatus(t, conn, testPkg); after != before {
		t.Errorf("a failed plan changed the host:\n%s\n%s", before, after)
	}
}
