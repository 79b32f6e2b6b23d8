package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

// ttyHuman is a Human that believes it writes to a terminal, with a clock
// the test moves.
func ttyHuman(buf *bytes.Buffer, opts Options) (*Human, *time.Time) {
	h := NewHuman(buf, opts)
	h.tty = true
	now := t0
	h.status.now = func() time.Time { return now }
	return h, &now
}

func TestStatusLine(t *testing.T) {
	var buf bytes.Buffer
	h, now := ttyHuman(&buf, Options{Width: 100})

	h.Emit(event.TaskStarted{Task: "task.build_image", Host: "dev1"})
	*now = now.Add(time.Second)
	h.Emit(event.TaskOutput{Task: "task.build_image", Host: "dev1", Line: "step 1/7"})
	*now = now.Add(time.Second)
	h.Emit(event.TaskStarted{Task: "task.trove_conf", Host: "ctl1"})
	*now = now.Add(time.Second)
	h.Emit(event.TaskOutput{Task: "task.build_image", Host: "dev1", Line: "step 2/7 \x1b[1mbold"})
	h.Emit(event.TaskFinished{Task: "task.trove_conf", Host: "ctl1", Status: event.StatusOK, Duration: time.Second})
	h.Emit(event.TaskFinished{Task: "task.build_image", Host: "dev1", Status: event.StatusChanged, Duration: time.Minute})
	h.Emit(event.RunFinished{})

	want := eraseLine + "[1 running] task.build_image dev1" +
		eraseLine + "[1 running] task.build_image dev1: step 1/7" +
		eraseLine + "[2 running] task.trove_conf ctl1" +
		eraseLine + `[2 running] task.build_image dev1: step 2/7 \x1b[1mbold` +
		eraseLine + "  ok           task.trove_conf  ctl1  (1.00s)\n" +
		eraseLine + `[1 running] task.build_image dev1: step 2/7 \x1b[1mbold` +
		eraseLine + "  changed      task.build_image  dev1  (1m00s)\n"
	got := buf.String()
	if !strings.HasPrefix(got, want) {
		t.Fatalf("status line sequence:\n got %q\nwant %q", got, want)
	}
	// Nothing after the last permanent line is left drawn.
	if strings.Contains(got[len(want):], "running]") {
		t.Fatalf("status line left after the run finished: %q", got[len(want):])
	}
}

func TestStatusLineTruncatesToWidth(t *testing.T) {
	var buf bytes.Buffer
	h, _ := ttyHuman(&buf, Options{Width: 30})
	h.Emit(event.TaskStarted{Task: "task.build_image", Host: "dev1"})
	h.Emit(event.TaskOutput{Task: "task.build_image", Host: "dev1", Line: strings.Repeat("x", 200)})
	line := strings.TrimPrefix(buf.String()[strings.LastIndex(buf.String(), eraseLine):], eraseLine)
	if n := len([]rune(line)); n != 29 || !strings.HasSuffix(line, "…") {
		t.Fatalf("status line %q has %d runes, want 29 ending in …", line, n)
	}
}

func TestStatusLineThrottled(t *testing.T) {
	var buf bytes.Buffer
	h, now := ttyHuman(&buf, Options{Width: 100})
	h.Emit(event.TaskStarted{Task: "task.a", Host: "h"})
	// Within redrawEvery of the last draw: deferred to a timer.
	*now = now.Add(redrawEvery / 10)
	h.Emit(event.TaskOutput{Task: "task.a", Host: "h", Line: "first"})
	h.Emit(event.TaskOutput{Task: "task.a", Host: "h", Line: "second"})
	h.mu.Lock()
	got := buf.String()
	h.mu.Unlock()
	if strings.Contains(got, "first") || strings.Contains(got, "second") {
		t.Fatalf("output drawn within the throttle interval: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		got = buf.String()
		h.mu.Unlock()
		if strings.HasSuffix(got, "task.a h: second") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deferred redraw never showed the last line: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(got, "first") {
		t.Fatalf("a superseded line was drawn: %q", got)
	}
}

func TestNoStatusLineOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	h := NewHuman(&buf, Options{})
	h.Emit(event.TaskStarted{Task: "task.a", Host: "h"})
	h.Emit(event.TaskOutput{Task: "task.a", Host: "h", Line: "hello"})
	if buf.Len() != 0 {
		t.Fatalf("output off a terminal without Verbose: %q", buf.String())
	}
}

func TestNoProgressOption(t *testing.T) {
	h := NewHuman(&bytes.Buffer{}, Options{NoProgress: true})
	if h.tty {
		t.Fatal("status line on with NoProgress")
	}
}
