package command_test

import (
	"context"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
	"github.com/runbook-dev/runbook/modules/command"
	"github.com/runbook-dev/runbook/modules/shell"
)

// TestLabConvergeAgreesWithPlanAndApply: a run's one-command Converge (the
// host's shell tests creates and removes, then runs the command) does what
// Plan and Apply do over a real sshd host, and never runs a command its
// guard says is done.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	conn := labtest.SSHConn(t)
	dir := labtest.TempDir(t, conn, "rb-command-test")
	sh := func(script string) func() {
		return func() {
			res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"/bin/sh", "-c", script, "sh", dir}})
			if err != nil || res.RC != 0 {
				t.Fatalf("%s: %v %+v", script, err, res)
			}
		}
	}
	cases := []struct {
		name  string
		m     module.Module
		src   string // %D is the remote temp dir
		reset string // $1 is the remote temp dir
		ran   bool
	}{
		{"creates absent: runs", command.New(), `argv = ["touch", "%D/made"]` + "\ncreates = \"%D/made\"", `rm -f "$1/made"`, true},
		{"creates present: does not run", command.New(), `argv = ["touch", "%D/ran"]` + "\ncreates = \"%D/made\"", `rm -f "$1/ran"; touch "$1/made"`, false},
		{"creates through a dangling link: runs", command.New(), `argv = ["touch", "%D/ran"]` + "\ncreates = \"%D/link\"", `rm -f "$1/ran" "$1/link"; ln -s "$1/nowhere" "$1/link"`, true},
		{"removes present: runs", command.New(), `argv = ["rm", "%D/old"]` + "\nremoves = \"%D/old\"", `touch "$1/old"`, true},
		{"removes absent: does not run", command.New(), `argv = ["touch", "%D/ran"]` + "\nremoves = \"%D/old\"", `rm -f "$1/old" "$1/ran"`, false},
		{"relative creates is under chdir", command.New(), `argv = ["touch", "rel"]` + "\nchdir = \"%D\"\ncreates = \"rel\"", `rm -f "$1/rel"`, true},
		{"env, chdir and stdin reach the command", command.New(), `argv = ["sh", "-c", "printf '%s %s ' \"$RB_X\" \"$(pwd)\"; cat; touch out"]` +
			"\nenv = { RB_X = \"a b\" }\nchdir = \"%D\"\nstdin = \"in\"\ncreates = \"%D/out\"", `rm -f "$1/out"`, true},
		{"argv stays argv", command.New(), `argv = ["printf", "%s|", "; rm -rf /", "$(touch %D/pwned)", "it's", "*"]` + "\ncreates = \"%D/pwned\"", `rm -f "$1/pwned"`, true},
		{"a failure keeps its status and stderr", command.New(), `argv = ["sh", "-c", "echo remote-err >&2; exit 5"]` + "\ncreates = \"%D/never\"", `true`, true},
		{"no guard: runs", command.New(), `argv = ["true"]`, `true`, true},
		{"shell with creates", shell.New(), `cmd = "echo hi > %D/out"` + "\ncreates = \"%D/out\"", `rm -f "$1/out"`, true},
	}
	for _, c := range cases {
		src := strings.ReplaceAll(c.src, "%D", dir)
		var streamed []string
		req := moduletest.Request(moduletest.Args(t, c.m, src), conn, "")
		req.Output = func(_, line string) { streamed = append(streamed, line) }
		cr := moduletest.Converge(t, c.m, req, sh(c.reset))
		if t.Failed() {
			t.Fatalf("%s: Converge and Plan+Apply differ (above)", c.name)
		}
		if ran := cr.Action == module.Change; ran != c.ran {
			t.Errorf("%s: Converge %v %q, want the command run: %v", c.name, cr.Action, cr.Reason, c.ran)
		}
		for _, l := range streamed {
			if strings.HasPrefix(l, "runbook-converge-") {
				t.Errorf("%s: the marker reached the output: %q", c.name, l)
			}
		}
	}
	if got := strings.TrimSpace(string(mustExec(t, conn, "ls", dir))); strings.Contains(got, "pwned") {
		t.Errorf("an argument ran as shell code: %s", got)
	}
}

func mustExec(t *testing.T, conn transport.Conn, argv ...string) []byte {
	t.Helper()
	res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: argv})
	if err != nil || res.RC != 0 {
		t.Fatalf("%v: %v %+v", argv, err, res)
	}
	return res.Stdout
}
