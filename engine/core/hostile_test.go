package core

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbook-dev/runbook/engine/event"
)

// Hostile input: what used to panic, hang or show a secret is a
// diagnostic now, found before any host is touched.

const secret = "s3cr3t-value"

// secretVars declares a sensitive string and a sensitive map, given
// values through --var.
const secretVars = `
variable "token" {
  type      = string
  sensitive = true
}
variable "passwords" {
  type      = map(string)
  sensitive = true
  default   = { alice = "pw-alice-1", bob = "pw-bob-2" }
}
`

func secretOpts() Options {
	return Options{Vars: VarValues{Flags: []string{"token=" + secret}}}
}

// wantDiag fails unless diags hold an error with summary at line:col of
// main.hcl, and none of them shows the secret.
func wantDiag(t *testing.T, diags hcl.Diagnostics, summary string, line int) {
	t.Helper()
	found := false
	for _, d := range diags {
		if strings.Contains(d.Summary+d.Detail, secret) {
			t.Errorf("a diagnostic shows the secret: %s", d.Error())
		}
		if d.Summary == summary && d.Subject != nil && d.Subject.Start.Line == line {
			found = true
		}
	}
	if !found {
		t.Errorf("want %q at line %d, got:\n%s", summary, line, detailDiags(diags))
	}
}

// for_each over a sensitive map panicked in the walk (it iterated a
// marked value).
func TestForEachOverSensitiveMapIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, secretVars+`
task "users" {
  for_each = var.passwords
  step {
    name = each.key
  }
}
`, "", secretOpts())
	wantDiag(t, diags, "Invalid for_each argument", 13)
}

// for_each = [var.token] made the secret an instance key, printed in every
// line of human and JSON output.
func TestForEachOverSensitiveElementIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, secretVars+`
task "t" {
  for_each = [var.token]
  step {
    name = each.key
  }
}
`, "", secretOpts())
	wantDiag(t, diags, "Invalid for_each argument", 13)
}

// A map whose values (not keys) are sensitive is fine: the keys show, the
// values stay marked in each.value.
func TestForEachOverMapOfSecretsKeepsThemHidden(t *testing.T) {
	w := runWalk(t, secretVars+`
task "users" {
  for_each = { alice = var.token }
  step {
    name  = each.key
    value = each.value
  }
}
`, secretOpts(), nil)
	if st := w.status(t, "task.users[alice]@localhost").Status; st != event.StatusChanged {
		t.Errorf("users[alice]: %s\n%s", st, w.dump())
	}
	for _, e := range w.events {
		if strings.Contains(strings.ReplaceAll(strings.ToLower(stringOf(e)), "(sensitive)", ""), secret) {
			t.Errorf("an event shows the secret: %#v", e)
		}
	}
}

// hosts from a sensitive value would print it as a host name.
func TestHostsFromSensitiveValueIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
variable "targets" {
  type      = list(string)
  sensitive = true
  default   = ["h1"]
}
task "a" {
  hosts = var.targets
  step {
    name = "a"
  }
}
`, "", Options{})
	wantDiag(t, diags, "Invalid hosts", 8)
}

// serial = 1e20 made the batch size overflow to a negative number and the
// batching loop never ended. A size above the number of hosts is one
// batch of all of them.
func TestHugeSerialIsOneBatch(t *testing.T) {
	done := make(chan walked, 1)
	go func() {
		done <- runWalk(t, `
runbook {
  serial = 1e20
}
task "a" {
  hosts  = group.web
  serial = 1e20
  step {
    name = "a"
  }
}
`, Options{}, nil)
	}()
	select {
	case w := <-done:
		for _, h := range []string{"h1", "h2", "h3"} {
			if st := w.status(t, "task.a@"+h).Status; st != event.StatusChanged {
				t.Errorf("a on %s: %s", h, st)
			}
		}
	case <-time.After(time.Minute):
		t.Fatal("preparing and running serial = 1e20 did not end")
	}
}

// Numbers are range-checked where they are read: the values below come
// from variables, so only Prepare (validate with values) can see them.
func TestNumbersFromVariablesAreRangeChecked(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
variable "n" {
  type    = number
  default = -1
}
variable "pct" {
  type    = number
  default = 150
}
variable "serial" {
  type    = number
  default = 0
}
runbook {
  max_fail_percentage = var.pct
}
task "a" {
  hosts   = group.web
  retries = var.n
  delay   = var.n
  serial  = var.serial
  step {
    name = "a"
  }
}
task "b" {
  max_fail_percentage = var.pct
  timeout             = var.n
  step {
    name = "b"
  }
}
`, "", Options{})
	wantDiag(t, diags, "Invalid value for max_fail_percentage", 15)
	wantDiag(t, diags, "Invalid value for retries", 19)
	wantDiag(t, diags, "Invalid value for delay", 20)
	wantDiag(t, diags, "Invalid serial", 21)
	wantDiag(t, diags, "Invalid value for max_fail_percentage", 27)
	wantDiag(t, diags, "Invalid value for timeout", 28)
}

// Forks below one used to be taken as "no bound" (forks 0 and -5 ran).
func TestNegativeForksIsADiagnostic(t *testing.T) {
	_, diags := tryPrepareWalk(t, `
task "a" {
  step {
    name = "a"
  }
}
`, "", Options{Forks: -5})
	if !diags.HasErrors() || diags[0].Summary != "Invalid number of forks" {
		t.Errorf("forks -5: %s", detailDiags(diags))
	}
}

// A runtime error of an expression keeps its source range, and an error
// of changed_when does not replace the module's own error.
func TestRuntimeDiagnosticsSurviveTheWalk(t *testing.T) {
	w := runWalk(t, `
task "a" {
  step {
    name  = "a"
    value = "not a number"
  }
}
task "b" {
  when = tonumber(task.a.outputs.value) > 0
  step {
    name = "b"
  }
}
task "c" {
  hosts        = ["h1"]
  changed_when = tonumber(self.outputs.value) > 0
  step {
    name    = "c"
    value   = "x"
    fail_on = ["h1"]
  }
}
`, Options{}, nil)
	b := w.status(t, "task.b@localhost")
	if b.Status != event.StatusFailed || len(b.Diagnostics) != 1 {
		t.Fatalf("b: %s %q %v", b.Status, b.Reason, b.Diagnostics)
	}
	d := b.Diagnostics[0]
	if !strings.HasSuffix(d.Filename, "main.hcl") || d.Line != 9 || d.Column != 19 || !strings.Contains(d.Snippet, "when = tonumber(task.a.outputs.value) > 0") {
		t.Errorf("b's diagnostic lost its source: %+v", d)
	}
	if !strings.Contains(b.Reason, "main.hcl:9:19: ") || strings.Contains(b.Reason, "9,19") || strings.Contains(b.Reason, "other diagnostic") {
		t.Errorf("b's reason: %q", b.Reason)
	}
	c := w.status(t, "task.c@h1")
	if c.Status != event.StatusFailed || !strings.HasPrefix(c.Reason, "step c failed on h1 as told") {
		t.Errorf("c: the module's error was replaced: %s %q", c.Status, c.Reason)
	}
	if len(c.Diagnostics) != 1 || c.Diagnostics[0].Line != 16 {
		t.Errorf("c: the changed_when error is missing: %+v", c.Diagnostics)
	}
}

// In check mode a plan error after an upstream change that is pending
// used to become "cannot predict" (exit 2). Only a plan that found its
// host not ready yet (module.NotYet) is that; a real error is an error.
func TestCheckModePlanErrorIsAnError(t *testing.T) {
	w := runWalk(t, `
task "a" {
  step {
    name = "a"
  }
}
task "broken" {
  depends_on = [task.a]
  step {
    name         = "broken"
    fail_plan_on = ["localhost"]
  }
}
`, Options{Check: true}, nil)
	if f := w.status(t, "task.broken@localhost"); f.Status != event.StatusFailed || f.Reason != "plan failed on localhost as told" {
		t.Errorf("broken: %s %q", f.Status, f.Reason)
	}
	if w.res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", w.res.ExitCode)
	}

	w = runWalk(t, `
task "a" {
  step {
    name = "a"
  }
}
task "later" {
  depends_on = [task.a]
  step {
    name       = "later"
    missing_on = ["localhost"]
  }
}
`, Options{Check: true}, nil)
	if f := w.status(t, "task.later@localhost"); f.Status != event.StatusUnpredictable || !strings.Contains(f.Reason, "cannot check before the tasks it waits for have run") {
		t.Errorf("later: %s %q", f.Status, f.Reason)
	}
	if w.res.ExitCode != 2 {
		t.Errorf("exit %d, want 2", w.res.ExitCode)
	}
}

func stringOf(e event.Event) string {
	switch e := e.(type) {
	case event.TaskFinished:
		return e.Task + e.Key + e.Host + e.Reason + e.Stderr
	case event.TaskStarted:
		return e.Task + e.Key + e.Host
	case event.TaskOutput:
		return e.Task + e.Key + e.Host + e.Line
	}
	return ""
}
