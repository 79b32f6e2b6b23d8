package command

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// TestLabSSH plans and applies over a real sshd host: the guards are
// checked on that host, argv survives the SSH transport's quoting as argv,
// and failures carry the remote exit status and stderr.
func TestLabSSH(t *testing.T) {
	conn := labConn(t)
	dir := labDir(t, conn)
	tests := []struct {
		name       string
		src        string // %D is the remote temp dir
		wantAction module.Action
		wantStdout string
		wantRC     int
		wantAfter  module.Action
		exists     string // a remote path that must exist afterwards
		notExists  string // one that must not
	}{
		{
			name:       "creates absent runs, then holds",
			src:        `argv = ["touch", "%D/made"]` + "\ncreates = \"%D/made\"",
			wantAction: module.Change, wantAfter: module.NoOp, exists: "%D/made",
		},
		{
			name:       "removes absent is a no-op",
			src:        `argv = ["touch", "%D/ran"]` + "\nremoves = \"%D/gone\"",
			wantAction: module.NoOp, wantAfter: module.NoOp, notExists: "%D/ran",
		},
		{
			name:       "argv stays argv over ssh",
			src:        `argv = ["printf", "%s|", "; rm -rf /", "$(touch %D/pwned)", "it's", "*"]`,
			wantAction: module.Unpredictable, wantAfter: module.Unpredictable,
			wantStdout: "; rm -rf /|$(touch %D/pwned)|it's|*|", notExists: "%D/pwned",
		},
		{
			name:       "env chdir stdin",
			src:        `argv = ["sh", "-c", "printf '%s %s ' \"$RB_X\" \"$(pwd)\"; cat"]` + "\nenv = { RB_X = \"a b\" }\nchdir = \"%D\"\nstdin = \"in\"",
			wantAction: module.Unpredictable, wantAfter: module.Unpredictable,
			wantStdout: "a b %D in",
		},
		{
			name:       "failure",
			src:        `argv = ["sh", "-c", "echo remote-err >&2; exit 5"]`,
			wantAction: module.Unpredictable, wantAfter: module.Unpredictable, wantRC: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := func(s string) string { return strings.ReplaceAll(s, "%D", dir) }
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, sub(tt.src)), conn, "lab")
			p, a := moduletest.Run(t, m, req)
			if p.Err != nil || p.Action != tt.wantAction {
				t.Fatalf("plan = %v %q (%v), want %v", p.Action, p.Reason, p.Err, tt.wantAction)
			}
			if a != nil {
				var ce *module.CommandError
				switch {
				case tt.wantRC == 0 && a.Err != nil:
					t.Errorf("apply: %v", a.Err)
				case tt.wantRC != 0 && (!errors.As(a.Err, &ce) || ce.RC != tt.wantRC || !strings.Contains(ce.Stderr, "remote-err")):
					t.Errorf("apply err = %#v, want a CommandError with RC %d and the remote stderr", a.Err, tt.wantRC)
				}
				if got := a.Outputs.GetAttr("stdout").AsString(); got != sub(tt.wantStdout) {
					t.Errorf("stdout = %q, want %q", got, sub(tt.wantStdout))
				}
			}
			ctx := context.Background()
			if tt.exists != "" {
				if ok, err := hostfs.New(conn, nil).Exists(ctx, sub(tt.exists)); !ok || err != nil {
					t.Errorf("%s should exist on the host (%v)", sub(tt.exists), err)
				}
			}
			if tt.notExists != "" {
				if ok, err := hostfs.New(conn, nil).Exists(ctx, sub(tt.notExists)); ok || err != nil {
					t.Errorf("%s should not exist on the host (%v)", sub(tt.notExists), err)
				}
			}
			if again := moduletest.Plan(t, m, req); again.Action != tt.wantAfter {
				t.Errorf("second plan = %v, want %v", again.Action, tt.wantAfter)
			}
		})
	}
}
