package systemd

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module/moduletest"
)

func ctyStr(s string) cty.Value { return cty.StringVal(s) }

func TestParse(t *testing.T) {
	tests := []struct {
		src     string
		wantErr string
	}{
		{`name = "x"
		  state = "started"`, ""},
		{`units = ["a", "b@*"]
		  enabled = false`, ""},
		{`name = "x"
		  daemon_reload = true`, ""},
		{`name = "x"
		  state = "restarted"
		  wait = { timeout = "1m", stable = "5s" }`, ""},
		{`state = "started"`, "Give at least one of name or units"},
		{`name = "x"`, "Give at least one of state, enabled or daemon_reload"},
		{`name = "x"
		  state = "running"`, `state must be "started", "stopped", "restarted" or "reloaded", not "running"`},
		{`name = "-x"
		  state = "started"`, "starts with '-'"},
		{`name = ""
		  state = "started"`, "it is empty"},
		{`units = ["a", null]
		  state = "started"`, "units holds a null"},
		{`name = "x"
		  state = "stopped"
		  wait = {}`, `wait does not go with the other arguments given (unless state is "started", "restarted" or "reloaded")`},
		{`name = "x"
		  state = "started"
		  wait = { timeout = "soon" }`, `wait.timeout must be a duration like "30s" or "5m": "soon" is not a duration`},
		{`name = "x"
		  state = "started"
		  wait = { timeout = "5s", stable = "10s" }`, "must be shorter"},
		{`name = "x"
		  state = "started"
		  wait = { stable = "2m" }`, "must be shorter than wait.timeout (1m0s)"},
	}
	m := New()
	for _, tt := range tests {
		args := moduletest.Args(t, m, tt.src)
		var err error
		if errs := moduletest.Check(m, args); len(errs) > 0 {
			err = errs[0]
		} else {
			_, err = parse(args)
		}
		if tt.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tt.src, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: err %v, want %q", tt.src, err, tt.wantErr)
		}
	}
}

func TestParseShow(t *testing.T) {
	out := "Id=a.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n" +
		"ActiveEnterTimestamp=Mon 2026-11-23 21:06:37 UTC\nActiveEnterTimestampMonotonic=784074708\nCanReload=yes\nNeedDaemonReload=no\n\n" +
		"Id=b.service\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\nNeedDaemonReload=yes\n"
	us := parseShow([]byte(out))
	if len(us) != 2 {
		t.Fatalf("%d units", len(us))
	}
	a, b := us[0], us[1]
	if a.ID != "a.service" || !a.running() || a.enabledState() != "enabled" || !a.CanReload || a.ActiveEnterMono != "784074708" ||
		a.ActiveEnter != "Mon 2026-11-23 21:06:37 UTC" {
		t.Errorf("a = %+v", a)
	}
	if b.LoadState != "not-found" || b.running() || b.enabledState() != "unknown" || !b.NeedDaemonReload {
		t.Errorf("b = %+v", b)
	}
}

func TestFirstColumn(t *testing.T) {
	out := "devstack@tr-api.service  loaded active running x\n● rb-fail.service loaded failed failed y\n\n"
	got := strings.Join(firstColumn([]byte(out)), " ")
	if got != "devstack@tr-api.service rb-fail.service" {
		t.Errorf("got %q", got)
	}
}
