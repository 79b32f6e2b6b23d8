package systemd

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
)

// fakeConn answers systemctl commands from a table of canned results, for
// unit states the lab hosts do not have (masked, bad settings) and for a
// host without systemd. It records every command; anything unknown fails.
type fakeConn struct {
	answers map[string]*transport.Result // by the command's argv joined with spaces
	mu      sync.Mutex                   // expand lists units and unit files at once
	ran     []string
}

func (f *fakeConn) Exec(_ context.Context, cmd *transport.Cmd) (*transport.Result, error) {
	key := strings.Join(cmd.Argv, " ")
	f.mu.Lock()
	f.ran = append(f.ran, key)
	f.mu.Unlock()
	for prefix, res := range f.answers {
		if strings.HasPrefix(key, prefix) {
			return res, nil
		}
	}
	return nil, errors.New("fake: unexpected command " + key)
}
func (f *fakeConn) Upload(context.Context, io.Reader, string, fs.FileMode) error {
	return errors.New("fake: no uploads")
}
func (f *fakeConn) Download(context.Context, string, io.Writer) error {
	return errors.New("fake: no downloads")
}
func (f *fakeConn) Close() error { return nil }

func showOut(blocks ...string) *transport.Result {
	return &transport.Result{Stdout: []byte(strings.Join(blocks, "\n\n") + "\n")}
}

func TestPlanFake(t *testing.T) {
	masked := "Id=db.service\nLoadState=masked\nActiveState=inactive\nSubState=dead\nUnitFileState=masked\nCanReload=no\nNeedDaemonReload=no"
	bad := "Id=x.service\nLoadState=bad-setting\nActiveState=inactive\nSubState=dead\nUnitFileState=disabled"
	static := "Id=s.service\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=static\nCanReload=no\nNeedDaemonReload=no"
	tests := []struct {
		name    string
		src     string
		answer  *transport.Result
		action  module.Action
		wantErr string
	}{
		{"masked start", `name = "db"
		  state = "started"`, showOut(masked), 0, "unit db.service is masked on fake1"},
		{"masked stop is fine", `name = "db"
		  state = "stopped"`, showOut(masked), module.NoOp, ""},
		{"bad setting", `name = "x"
		  state = "started"`, showOut(bad), 0, "unit x.service failed to load on fake1 (LoadState=bad-setting)"},
		{"static enable is a no-op", `name = "s"
		  enabled = true`, showOut(static), module.NoOp, ""},
		{"static disable is a no-op", `name = "s"
		  enabled = false`, showOut(static), module.NoOp, ""},
		{"no systemd", `name = "s"
		  state = "started"`, &transport.Result{RC: 1, Stderr: []byte("System has not been booted with systemd as init system (PID 1). Can't operate.\n")},
			0, "on fake1: reading unit state: exit status 1: System has not been booted with systemd"},
		{"short answer", `units = ["a", "b"]
		  state = "started"`, showOut(static), 0, "systemctl show returned 1 units for 2 names"},
	}
	m := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &fakeConn{answers: map[string]*transport.Result{"systemctl show": tt.answer}}
			p := moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, tt.src), conn, "fake1"))
			if tt.wantErr != "" {
				if p.Err == nil || !strings.Contains(p.Err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", p.Err, tt.wantErr)
				}
				return
			}
			if p.Err != nil || p.Action != tt.action {
				t.Fatalf("plan %v %v %s", p.Err, p.Action, p.Reason)
			}
			for _, c := range conn.ran {
				if !strings.HasPrefix(c, "systemctl show ") && !strings.HasPrefix(c, "systemctl list-") {
					t.Errorf("plan ran %q", c)
				}
			}
		})
	}
}
