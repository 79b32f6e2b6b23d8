package core

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/event"
)

// A secret the engine cannot recognise (a token a command prints, a
// password read from a file) was printed and journaled: there was nothing
// like Ansible's no_log. sensitive = true on a task hides what it shows,
// and its outputs are secrets for every task that uses them.
func TestSensitiveTaskHidesEverythingItShows(t *testing.T) {
	const token = "tok-8a7d3c91"
	w := runWalk(t, `
task "issue_token" {
  hosts     = ["h1"]
  sensitive = true
  step {
    name  = "issue"
    value = "`+token+`"
  }
}
task "use_token" {
  hosts = ["h2"]
  step {
    name  = "use"
    value = "Bearer ${task.issue_token.hosts["h1"].outputs.value}"
  }
}
task "fail_with_token" {
  hosts     = ["h3"]
  sensitive = true
  step {
    name    = "fail"
    value   = "`+token+`"
    fail_on = ["h3"]
  }
}
`, Options{Diff: true}, nil)
	for _, e := range w.events {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), token) {
			t.Errorf("an event shows the token: %s %s", e.Type(), b)
		}
	}
	issue := w.status(t, "task.issue_token@h1")
	if issue.Status != event.StatusChanged {
		t.Errorf("issue_token: %s", issue.Status)
	}
	use := w.status(t, "task.use_token@h2")
	if use.Status != event.StatusChanged {
		t.Errorf("use_token: %s %q", use.Status, use.Reason)
	}
	fail := w.status(t, "task.fail_with_token@h3")
	if fail.Status != event.StatusFailed || fail.Reason != Sensitive || fail.Stderr != Sensitive || fail.RC == nil {
		t.Errorf("fail_with_token: %s %q %q %v", fail.Status, fail.Reason, fail.Stderr, fail.RC)
	}
	outputs := 0
	for _, e := range w.events {
		if o, ok := e.(event.TaskOutput); ok && o.Task == "task.issue_token" {
			outputs++
			if o.Line != Sensitive {
				t.Errorf("issue_token output line %q", o.Line)
			}
		}
	}
	if outputs == 0 {
		t.Error("the sensitive task's output lines were not emitted at all (they should be, as (sensitive))")
	}
	// The journal withholds the outputs of the sensitive task, and of the
	// task that used them.
	for _, e := range w.journal.entries {
		if (e.task == "task.issue_token" || e.task == "task.use_token") && !e.withheld {
			t.Errorf("the journal keeps the outputs of %s: %#v", e.task, e.outputs)
		}
	}
	if len(w.journal.entries) != 2 {
		t.Errorf("journal entries: %+v", w.journal.entries)
	}
}
