package pkg

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
)

func TestParse(t *testing.T) {
	m := New()
	for _, tc := range []struct{ src, want string }{
		{`name = "sl"`, ""},
		{`names = ["sl", "libc6:i386", "mariadb-client=1:10.11.6-0+deb12u1"]`, ""},
		{`state = "present"`, "Give at least one of name or names"},
		{`name = "Bad Name"`, `"Bad Name" is not a Debian package name`},
		{`name = "-o"`, `"-o" is not a Debian package name`},
		{`name = "sl=1.0;rm"`, `is not a package version`},
		{`names = ["sl", "sl"]`, "named twice"},
		{"name = \"sl\"\nstate = \"installed\"", `state must be "present", "absent" or "latest", not "installed"`},
		{"name = \"sl=1\"\nstate = \"latest\"", "names a version, which goes with state = \"present\" only"},
		{"name = \"sl\"\npurge = true", `purge does not go with the other arguments given (unless state is "absent")`},
		{"name = \"sl\"\nlock_timeout = \"a while\"", "not a duration"},
	} {
		args := moduletest.Args(t, m, tc.src)
		var err error
		if errs := moduletest.Check(m, args); len(errs) > 0 {
			err = errs[0]
		} else {
			_, err = parse(args)
		}
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	out := `sl:
  Installed: 5.01-1
  Candidate: 5.02-1+b1
  Version table:
     5.02-1+b1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 5.01-1 100
        100 /var/lib/dpkg/status
virtual-thing:
  Installed: (none)
  Candidate: (none)
  Version table:
libc6:i386:
  Installed: (none)
  Candidate: 2.36-9
  Version table:
     2.36-9 500
        500 http://deb.debian.org/debian bookworm/main i386 Packages
`
	pols := parsePolicy([]byte(out))
	if p := pols["sl"]; p == nil || p.candidate != "5.02-1+b1" || strings.Join(p.versions, " ") != "5.02-1+b1 5.01-1" {
		t.Errorf("sl: %+v", p)
	}
	if p := pols["virtual-thing"]; p == nil || p.candidate != "" || len(p.versions) != 0 {
		t.Errorf("virtual: %+v", p)
	}
	if p := pols["libc6:i386"]; p == nil || p.candidate != "2.36-9" {
		t.Errorf("libc6:i386: %+v", p)
	}
	if pols["nope"] != nil {
		t.Error("unknown package parsed")
	}
}

// dpkgStatus is what a plan must not change on a host.
func dpkgStatus(t *testing.T, conn transport.Conn, names ...string) string {
	t.Helper()
	argv := append([]string{"sh", "-c", `dpkg-query -W -f '${Package} ${db:Status-Abbrev} ${Version}\n' "$@" 2>&1; ls /var/cache/apt/archives | sort`, "sh"}, names...)
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Stdout)
}

func planOn(t *testing.T, conn transport.Conn, host, src string) *module.PlanResponse {
	t.Helper()
	m := New()
	return moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, src), conn, host))
}

func diffText(d *module.Diff) string {
	if d == nil {
		return ""
	}
	var lines []string
	for _, it := range d.Items {
		lines = append(lines, it.Name+": "+show(it.Before)+" -> "+show(it.After))
	}
	return strings.Join(lines, "\n")
}

// TestPlanLocal plans against this machine's real dpkg and apt; plans
// only read, so this machine is left as it was (checked).
func TestPlanLocal(t *testing.T) {
	conn := local.New("ctl")
	if res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"apt-cache", "policy", "bash"}}); err != nil || res.RC != 0 {
		t.Skip("no apt on this machine")
	}
	pols, err := aptPolicy(context.Background(), conn, []string{"sl"})
	if err != nil || pols["sl"] == nil || pols["sl"].candidate == "" {
		t.Skip("sl is not in this machine's apt sources")
	}
	inst, _ := dpkgQuery(context.Background(), conn, []string{"sl", "bash"})
	if inst["sl"].ok() {
		t.Skip("sl is installed here; the test wants it absent")
	}
	before := dpkgStatus(t, conn, "sl", "bash")

	p := planOn(t, conn, "ctl", `names = ["bash", "coreutils"]`)
	if p.Err != nil || p.Action != module.NoOp || !strings.HasPrefix(p.Reason, "bash "+inst["bash"].version) {
		t.Errorf("installed: %v %v %q", p.Err, p.Action, p.Reason)
	}
	if v := p.Outputs.GetAttr("packages").Index(cty.StringVal("bash")).GetAttr("after").AsString(); v != inst["bash"].version {
		t.Errorf("bash output version %q", v)
	}
	p = planOn(t, conn, "ctl", `names = ["bash", "sl"]`)
	if p.Err != nil || p.Action != module.Change || diffText(p.Diff) != "sl: absent -> "+pols["sl"].candidate {
		t.Errorf("sl: %v %v %q", p.Err, p.Action, diffText(p.Diff))
	}
	if p := planOn(t, conn, "ctl", "name = \"sl\"\nstate = \"absent\""); p.Err != nil || p.Action != module.NoOp {
		t.Errorf("sl absent: %v %v", p.Err, p.Action)
	}
	for _, tc := range []struct{ src, want string }{
		{`name = "runbook-no-such-package"`, "package runbook-no-such-package not found in the apt sources of ctl"},
		{`name = "sl=0.0-nope"`, "package sl has no version 0.0-nope in the apt sources of ctl (available: " + pols["sl"].candidate},
	} {
		if p := planOn(t, conn, "ctl", tc.src); p.Err == nil || !strings.Contains(p.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.src, p.Err, tc.want)
		}
	}
	if after := dpkgStatus(t, conn, "sl", "bash"); after != before {
		t.Errorf("plans changed this machine:\n%s\n%s", before, after)
	}
}
