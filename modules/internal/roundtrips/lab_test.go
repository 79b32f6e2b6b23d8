package roundtrips

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
	"github.com/runbook-dev/runbook/internal/labtest"
	"github.com/runbook-dev/runbook/modules/command"
	copymod "github.com/runbook-dev/runbook/modules/copy"
	"github.com/runbook-dev/runbook/modules/fetch"
	"github.com/runbook-dev/runbook/modules/file"
	"github.com/runbook-dev/runbook/modules/ini"
	"github.com/runbook-dev/runbook/modules/lineinfile"
	pkg "github.com/runbook-dev/runbook/modules/package"
	"github.com/runbook-dev/runbook/modules/script"
	"github.com/runbook-dev/runbook/modules/shell"
	"github.com/runbook-dev/runbook/modules/systemd"
	"github.com/runbook-dev/runbook/modules/template"
	waitfor "github.com/runbook-dev/runbook/modules/wait_for"
)

// counted is a Conn that counts what went over it (the SSH transport's).
type counted interface {
	transport.Conn
	Stats() ssh.Stats
}

// tcase is one task: setup runs first on the host (in the test's folder
// $D, not counted), then the module plans and, when it would change,
// applies. {D} in args is the folder, {L} a local one.
type tcase struct {
	module, name string
	m            module.Module
	setup        string // on the host
	localSetup   string // on this machine, $L the local folder
	args         string
	change       bool
}

func cases() []tcase {
	return []tcase{
		{module: "command", name: "already as wanted (creates exists)", m: command.New(), setup: `touch "$D/made"`,
			args: `argv = ["touch", "{D}/made"]
creates = "{D}/made"`},
		{module: "command", name: "changes (runs)", m: command.New(), change: true,
			args: `argv = ["touch", "{D}/made"]
creates = "{D}/made"`},
		{module: "shell", name: "changes (runs)", m: shell.New(), change: true, args: `cmd = "echo hi > {D}/out"`},
		{module: "script", name: "changes (runs)", m: script.New(), change: true, args: `src = "{L}/s.sh"`},
		{module: "copy", name: "already as wanted", m: copymod.New(), setup: `printf 'hello\n' > "$D/c"; chmod 0640 "$D/c"`,
			args: `dest = "{D}/c"
content = "hello\n"
mode = "0640"`},
		{module: "copy", name: "changes (content)", m: copymod.New(), change: true, setup: `printf 'old\n' > "$D/c"; chmod 0640 "$D/c"`,
			args: `dest = "{D}/c"
content = "hello\n"
mode = "0640"`},
		{module: "copy", name: "changes (new file, owner, group, mode)", m: copymod.New(), change: true,
			args: `dest = "{D}/c"
content = "hello\n"
owner = "nobody"
group = "nogroup"
mode = "0600"`},
		{module: "template", name: "already as wanted", m: template.New(), setup: `printf 'port = 8779\n' > "$D/t"`,
			args: `dest = "{D}/t"
template = "port = $${port}\n"
vars = { port = 8779 }`},
		{module: "template", name: "changes (content)", m: template.New(), change: true, setup: `printf 'port = 1\n' > "$D/t"`,
			args: `dest = "{D}/t"
template = "port = $${port}\n"
vars = { port = 8779 }`},
		{module: "template", name: "changes (new file)", m: template.New(), change: true,
			args: `dest = "{D}/t"
template = "port = $${port}\n"
vars = { port = 8779 }
mode = "0640"`},
		{module: "ini", name: "already as wanted", m: ini.New(), setup: `printf '[DEFAULT]\ndebug = true\n' > "$D/a.ini"`,
			args: `path = "{D}/a.ini"
section = "DEFAULT"
values = { debug = true }`},
		{module: "ini", name: "changes (a value)", m: ini.New(), change: true, setup: `printf '[DEFAULT]\ndebug = false\n' > "$D/a.ini"`,
			args: `path = "{D}/a.ini"
section = "DEFAULT"
values = { debug = true }`},
		{module: "ini", name: "changes (new file)", m: ini.New(), change: true,
			args: `path = "{D}/a.ini"
section = "DEFAULT"
values = { debug = true }
create = true`},
		{module: "lineinfile", name: "already as wanted", m: lineinfile.New(), setup: `printf 'a\nx = 1\n' > "$D/l"`,
			args: `path = "{D}/l"
regexp = "^x ="
line = "x = 1"`},
		{module: "lineinfile", name: "changes (a line)", m: lineinfile.New(), change: true, setup: `printf 'a\nx = 0\n' > "$D/l"`,
			args: `path = "{D}/l"
regexp = "^x ="
line = "x = 1"`},
		{module: "lineinfile", name: "changes (new file)", m: lineinfile.New(), change: true,
			args: `path = "{D}/l"
regexp = "^x ="
line = "x = 1"
create = true`},
		{module: "file", name: "already as wanted (directory)", m: file.New(), setup: `mkdir -m 0750 "$D/d"`,
			args: `path = "{D}/d"
state = "directory"
mode = "0750"`},
		{module: "file", name: "changes (new directory, owner, mode)", m: file.New(), change: true,
			args: `path = "{D}/d"
state = "directory"
owner = "nobody"
mode = "0750"`},
		{module: "file", name: "changes (mode of a file)", m: file.New(), change: true, setup: `touch "$D/f"; chmod 0644 "$D/f"`,
			args: `path = "{D}/f"
mode = "0600"`},
		{module: "file", name: "changes (new link)", m: file.New(), change: true,
			args: `path = "{D}/ln"
state = "link"
src = "/etc/hostname"`},
		{module: "fetch", name: "already as wanted", m: fetch.New(), setup: `printf 'x\n' > "$D/fetched"`, localSetup: `printf 'x\n' > "$L/fetched"`,
			args: `src = "{D}/fetched"
dest = "{L}/fetched"
flat = true`},
		{module: "fetch", name: "changes (new local copy)", m: fetch.New(), change: true, setup: `printf 'x\n' > "$D/fetched"`, localSetup: `rm -f "$L/fetched"`,
			args: `src = "{D}/fetched"
dest = "{L}/fetched"
flat = true`},
		{module: "systemd", name: "already as wanted (started)", m: systemd.New(), args: `name = "rb-ok"
state = "started"`},
		{module: "systemd", name: "changes (start)", m: systemd.New(), change: true, setup: `systemctl stop rb-disabled`,
			args: `name = "rb-disabled"
state = "started"`},
		{module: "package", name: "already as wanted (installed)", m: pkg.New(), args: `name = "coreutils"`},
		{module: "wait_for", name: "already as wanted (path exists)", m: waitfor.New(), setup: `touch "$D/ready"`,
			args: `path = "{D}/ready"`},
	}
}

// row is one line of the table: module, case, plan and apply round trips,
// a run's (Converge's, in bold, for a module.Converger; plan and apply
// otherwise), commands and SFTP requests of plan and apply.
type row struct{ module, name, plan, apply, run, far, commands, sftp string }

func (r row) String() string {
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", r.module, r.name, r.plan, r.apply, r.run, r.far, r.commands, r.sftp)
}

// converge runs a task the way a run does (module.Converger) on a fresh
// copy of the case and returns the round trips it waited for.
func converge(ctx context.Context, cv module.Converger, req module.Request, cc counted, change bool) (int64, error) {
	before := cc.Stats()
	cr := cv.Converge(ctx, &module.ConvergeRequest{Request: req})
	run := cc.Stats().Sub(before)
	if cr.Err != nil || (cr.Action != module.NoOp) != change {
		return 0, fmt.Errorf("converge: %v %q err %v, want a change: %v", cr.Action, cr.Reason, cr.Err, change)
	}
	return run.RoundTrips, nil
}

const docPath = "../../../docs/performance.md"

var tableRe = regexp.MustCompile(`(?s)<!-- roundtrips:begin -->\n(.*?)<!-- roundtrips:end -->`)

const tableHead = "| module | task | plan | apply | run | run, far host | commands (plan + apply) | SFTP requests |\n|---|---|---|---|---|---|---|---|\n"

func TestLabRoundTrips(t *testing.T) {
	conn, host := labtest.SystemdHost(t)
	labtest.SystemdUnits(t) // it starts and stops rb-disabled
	cc, ok := conn.(counted)
	if !ok {
		t.Fatalf("the lab's Conn is a %T, which does not count", conn)
	}
	// A far host (ssh.ShellAheadMinRTT or more away) gets its commands on
	// shells started ahead: a command's stdin leaves with it.
	farConn, _ := labtest.SystemdHostWith(t, ssh.Options{ShellAhead: ssh.ShellAheadAlways})
	far := farConn.(counted)
	ctx := context.Background()
	local := t.TempDir()
	if err := os.WriteFile(filepath.Join(local, "s.sh"), []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"systemctl", "stop", "rb-disabled"}})
	})
	var got []row
	// prepare makes a fresh folder, sets the host up for the case and
	// returns the request.
	prepare := func(c tcase, conn transport.Conn) module.Request {
		dir := labtest.TempDir(t, conn, "rb-roundtrips")
		if c.setup != "" {
			res, err := conn.Exec(ctx, &transport.Cmd{Argv: []string{"/bin/sh", "-c", c.setup}, Env: map[string]string{"D": dir}})
			if err != nil || res.RC != 0 {
				t.Fatalf("%s %s: setup: %v %+v", c.module, c.name, err, res)
			}
		}
		if c.localSetup != "" {
			if out, err := execLocal(c.localSetup, local); err != nil {
				t.Fatalf("%s %s: local setup: %v %s", c.module, c.name, err, out)
			}
		}
		return moduletest.Request(moduletest.Args(t, c.m, strings.NewReplacer("{D}", dir, "{L}", local).Replace(c.args)), conn, host)
	}
	for _, c := range cases() {
		req := prepare(c, conn)
		before := cc.Stats()
		p := moduletest.Plan(t, c.m, req)
		plan := cc.Stats().Sub(before)
		if p.Err != nil {
			t.Errorf("%s %s: plan: %v", c.module, c.name, p.Err)
			continue
		}
		if changes := p.Action != module.NoOp; changes != c.change {
			t.Errorf("%s %s: plan says %v (%s), want a change: %v", c.module, c.name, p.Action, p.Reason, c.change)
			continue
		}
		r := row{module: c.module, name: c.name, plan: fmt.Sprint(plan.RoundTrips), apply: "-",
			commands: fmt.Sprint(plan.Commands), sftp: fmt.Sprint(plan.SFTP), run: fmt.Sprint(plan.RoundTrips)}
		if c.change {
			before = cc.Stats()
			a := c.m.Apply(ctx, &module.ApplyRequest{Request: req, Planned: p})
			apply := cc.Stats().Sub(before)
			if a.Err != nil {
				t.Errorf("%s %s: apply: %v", c.module, c.name, a.Err)
				continue
			}
			r.apply = fmt.Sprint(apply.RoundTrips)
			r.run = fmt.Sprint(plan.RoundTrips + apply.RoundTrips)
			r.commands = fmt.Sprintf("%d + %d", plan.Commands, apply.Commands)
			r.sftp = fmt.Sprintf("%d + %d", plan.SFTP, apply.SFTP)
		}
		if cv, ok := c.m.(module.Converger); ok {
			// What a run does: the same task on a fresh copy of the
			// case, in one step.
			run, err := converge(ctx, cv, prepare(c, conn), cc, c.change)
			if err != nil {
				t.Errorf("%s %s: %v", c.module, c.name, err)
				continue
			}
			r.run = fmt.Sprintf("**%d**", run)
			if run, err = converge(ctx, cv, prepare(c, farConn), far, c.change); err != nil {
				t.Errorf("%s %s, far host: %v", c.module, c.name, err)
				continue
			}
			r.far = fmt.Sprintf("**%d**", run)
		} else {
			req := prepare(c, farConn)
			before := far.Stats()
			p := moduletest.Plan(t, c.m, req)
			if p.Err == nil && p.Action != module.NoOp {
				if a := c.m.Apply(ctx, &module.ApplyRequest{Request: req, Planned: p}); a.Err != nil {
					p.Err = a.Err
				}
			}
			if p.Err != nil {
				t.Errorf("%s %s, far host: %v", c.module, c.name, p.Err)
				continue
			}
			r.far = fmt.Sprint(far.Stats().Sub(before).RoundTrips)
		}
		got = append(got, r)
	}
	var b strings.Builder
	b.WriteString(tableHead)
	for _, r := range got {
		b.WriteString(r.String() + "\n")
	}
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	m := tableRe.FindSubmatch(doc)
	if m == nil {
		t.Fatalf("%s has no <!-- roundtrips:begin --> ... <!-- roundtrips:end --> table", docPath)
	}
	if os.Getenv("RUNBOOK_ROUNDTRIPS_UPDATE") == "1" {
		doc = tableRe.ReplaceAll(doc, []byte("<!-- roundtrips:begin -->\n"+strings.ReplaceAll(b.String(), "$", "$$")+"<!-- roundtrips:end -->"))
		if err := os.WriteFile(docPath, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote the table to %s:\n%s", docPath, b.String())
		return
	}
	if string(m[1]) != b.String() {
		t.Errorf("round trips counted on %s differ from the table in docs/performance.md (a module waits for the host more, or less: fix it, or RUNBOOK_ROUNDTRIPS_UPDATE=1 to rewrite the table):\n--- docs\n%s--- counted\n%s", host, m[1], b.String())
	}
}
