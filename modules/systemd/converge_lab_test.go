package systemd

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport"
)

// unitTimes are the outputs that differ between two starts of a unit.
var unitTimes = regexp.MustCompile(`"active_enter_timestamp":"[^"]*"`)

// TestLabConvergeAgreesWithPlanAndApply: a run's one-command Converge does
// what Plan and Apply do, on the lab's units, for every kind of request,
// and a second Converge finds nothing to do.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	conn, host := labHost(t)
	resetFailed(t, conn)
	sh := func(script string) func() {
		return func() {
			res, err := conn.Exec(context.Background(), &transport.Cmd{Argv: []string{"/bin/sh", "-c", script}})
			if err != nil || res.RC != 0 {
				t.Fatalf("%s: %v %+v", script, err, res)
			}
		}
	}
	t.Cleanup(func() {
		sh("systemctl disable --now rb-disabled; systemctl enable rb-ok; systemctl start rb-ok; systemctl stop rb-fail; systemctl reset-failed")()
	})
	cases := []struct {
		name, src, reset string
		change           bool
	}{
		{"start and enable", `name = "rb-disabled"
		  state = "started"
		  enabled = true`, "systemctl disable --now rb-disabled", true},
		{"already started", `name = "rb-ok"
		  state = "started"`, "systemctl start rb-ok", false},
		{"stop", `name = "rb-ok"
		  state = "stopped"`, "systemctl start rb-ok", true},
		{"restart two, one named twice", `units = ["rb-ok", "rb-ok.service", "rb-reload"]
		  state = "restarted"`, "systemctl start rb-ok rb-reload", true},
		{"disable", `name = "rb-ok"
		  enabled = false`, "systemctl enable rb-ok", true},
		{"a glob plans as usual", `units = ["rb-o*"]
		  state = "started"`, "systemctl start rb-ok", false},
		{"not found: the plan's error", `name = "rb-nope"
		  state = "started"`, "true", false},
		{"fails to start: the unit's journal", `name = "rb-fail"
		  state = "started"`, "systemctl stop rb-fail; systemctl reset-failed rb-fail 2>/dev/null; true", true},
	}
	m := New()
	for _, c := range cases {
		req := moduletest.Request(moduletest.Args(t, m, c.src), conn, host)
		cr := moduletest.Converge(t, m, req, sh(c.reset), unitTimes)
		if t.Failed() {
			t.Fatalf("%s: Converge and Plan+Apply differ (above)", c.name)
		}
		if got := cr.Action == module.Change; got != c.change && cr.Err == nil {
			t.Errorf("%s: Converge %v %q, want a change: %v", c.name, cr.Action, cr.Reason, c.change)
		}
		if c.name == "fails to start: the unit's journal" {
			var ue *UnitError
			if !errors.As(cr.Err, &ue) || !strings.Contains(cr.Err.Error(), "rb-fail: cannot open /etc/rb-fail.conf") {
				t.Errorf("rb-fail: %v, want the unit's error with its journal", cr.Err)
			}
		}
	}
}
