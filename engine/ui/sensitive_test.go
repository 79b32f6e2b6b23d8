package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/event"
)

// TestSensitiveNeverWritten renders a sensitive diff item through every
// renderer and option and checks its values appear nowhere.
func TestSensitiveNeverWritten(t *testing.T) {
	secret := event.Diff{Name: "admin_password", Before: secretBefore, After: secretAfter, Unified: secretUnified, Sensitive: true}
	multi := event.Diff{Name: "clouds_yaml", Before: secretBefore + "\nline\n", After: secretAfter + "\nline\n", Sensitive: true}
	created := event.Diff{Name: "token", After: secretAfter, BeforeAbsent: true, Sensitive: true}
	events := []event.Event{
		event.RunStarted{Runbook: "r", Hosts: []string{"h"}},
		event.TaskFinished{Task: "task.a", Host: "h", Status: event.StatusChanged, Diff: []event.Diff{secret, multi, created}},
		&event.TaskFinished{Task: "task.b", Host: "h", Status: event.StatusWouldChange, Diff: []event.Diff{secret}},
		event.RunFinished{},
	}

	outputs := map[string][]byte{
		"json": renderJSON(t, events),
	}
	for name, opts := range map[string]Options{
		"human":         {},
		"human colour":  {Color: ColorAlways},
		"human verbose": {Verbosity: 1},
	} {
		outputs[name] = renderHuman(events, opts)
	}
	for name, out := range outputs {
		for _, s := range []string{"s3cr3t", secretBefore, secretAfter, secretUnified} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("%s output contains the sensitive value %q:\n%s", name, s, out)
			}
		}
		if !bytes.Contains(out, []byte("admin_password")) {
			t.Errorf("%s output lost the sensitive item's name", name)
		}
	}
	if n := strings.Count(string(outputs["human"]), "(sensitive)"); n != 4 {
		t.Errorf("human output shows (sensitive) %d times, want 4:\n%s", n, outputs["human"])
	}
	if n := strings.Count(string(outputs["json"]), `"sensitive":true`); n != 4 {
		t.Errorf("JSON output flags %d sensitive items, want 4:\n%s", n, outputs["json"])
	}
}
