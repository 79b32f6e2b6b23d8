package journal

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/event"
)

// journalLines is what the journal file holds now, a line's type and
// event (or task) each.
func journalLines(t *testing.T, w *Writer) []string {
	t.Helper()
	b, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		switch {
		case strings.Contains(l, `"type":"done"`):
			out = append(out, "done")
		case strings.Contains(l, `"type":"event"`):
			i := strings.Index(l, `"event":"`) + len(`"event":"`)
			out = append(out, l[i:i+strings.Index(l[i:], `"`)])
		default:
			out = append(out, l[len(`{"type":"`):strings.Index(l[len(`{"type":"`):], `"`)+len(`{"type":"`)])
		}
	}
	return out
}

// An instance's events wait for the next line (a done line goes at
// once, with them before it), or eventDelay; other events, and Finished,
// write at once.
func TestEventsWaitForTheNextLine(t *testing.T) {
	w, err := Open(t.TempDir(), "r1", Identity{Runbook: "rb"})
	if err != nil {
		t.Fatal(err)
	}
	sink := w.Events()
	now := time.Now()
	sink.Emit(event.RunStarted{RunID: "r1", Runbook: "rb", Time: now})
	sink.Emit(event.TaskStarted{Task: "task.a", Host: "h1", Time: now})
	sink.Emit(event.TaskFinished{Task: "task.a", Host: "h1", Status: event.StatusChanged})
	if got, want := strings.Join(journalLines(t, w), " "), "run run_started"; got != want {
		t.Fatalf("before the done line: %q, want %q (task events wait)", got, want)
	}
	w.Completed("task.a", "h1", "changed", true, cty.StringVal("x"), false)
	if got, want := strings.Join(journalLines(t, w), " "), "run run_started task_started task_finished done"; got != want {
		t.Fatalf("after the done line: %q, want %q", got, want)
	}

	// With no line after them, they are written after eventDelay.
	sink.Emit(event.TaskStarted{Task: "task.b", Host: "h1", Time: now})
	deadline := time.Now().Add(10 * eventDelay)
	for !strings.HasSuffix(strings.Join(journalLines(t, w), " "), "done task_started") {
		if time.Now().After(deadline) {
			t.Fatalf("task_started not written after %s: %q", 10*eventDelay, journalLines(t, w))
		}
		time.Sleep(eventDelay / 5)
	}

	// A warning goes at once, with what waits before it; Finished writes
	// what waits.
	sink.Emit(event.TaskFinished{Task: "task.b", Host: "h1", Status: event.StatusFailed})
	sink.Emit(event.Warning{Message: "w"})
	if got := journalLines(t, w); strings.Join(got[len(got)-2:], " ") != "task_finished warning" {
		t.Fatalf("after a warning: %q", got)
	}
	sink.Emit(event.TaskStarted{Task: "task.c", Host: "h1", Time: now})
	if err := w.Finished(1); err != nil {
		t.Fatal(err)
	}
	if got := journalLines(t, w); strings.Join(got[len(got)-2:], " ") != "task_started finished" {
		t.Fatalf("after Finished: %q", got)
	}
	sink.Emit(event.TaskStarted{Task: "task.d", Host: "h1", Time: now}) // after Finished: dropped, no panic
	time.Sleep(2 * eventDelay)
}
