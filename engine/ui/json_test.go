package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

// fixedClock ticks one second per call from t0.
func fixedClock() func() time.Time {
	now := t0
	return func() time.Time {
		now = now.Add(time.Second)
		return now
	}
}

func renderJSON(t *testing.T, events []event.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	j := NewJSON(&buf).WithClock(fixedClock())
	for _, e := range events {
		j.Emit(e)
	}
	if err := j.Err(); err != nil {
		t.Fatalf("JSON renderer: %v", err)
	}
	return buf.Bytes()
}

func TestJSONGolden(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got := renderJSON(t, sc.events)
			assertGolden(t, "json_"+sc.name+".golden", got)
			checkJSONLines(t, got, sc.events)
		})
	}
}

// checkJSONLines checks every line is an object whose type and fields
// match the event it came from.
func checkJSONLines(t *testing.T, out []byte, events []event.Event) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	i := 0
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, sc.Bytes())
		}
		if i >= len(events) {
			t.Fatalf("more lines than events")
		}
		if obj["type"] != events[i].Type() {
			t.Errorf("line %d: type %v, want %s", i+1, obj["type"], events[i].Type())
		}
		if _, err := time.Parse(time.RFC3339Nano, obj["timestamp"].(string)); err != nil {
			t.Errorf("line %d: bad timestamp: %v", i+1, err)
		}
		// The fields are the event's own JSON form.
		own, _ := json.Marshal(redact(events[i]))
		var want map[string]any
		_ = json.Unmarshal(own, &want)
		for k, v := range want {
			g, _ := json.Marshal(obj[k])
			w, _ := json.Marshal(v)
			if !bytes.Equal(g, w) {
				t.Errorf("line %d: %s = %s, want %s", i+1, k, g, w)
			}
		}
		if len(obj) != len(want)+2 {
			t.Errorf("line %d: %d members, want %d", i+1, len(obj), len(want)+2)
		}
		i++
	}
	if i != len(events) {
		t.Fatalf("%d lines for %d events", i, len(events))
	}
}

func TestJSONTypeAndTimestampFirst(t *testing.T) {
	got := string(renderJSON(t, []event.Event{event.Warning{Message: "m"}}))
	want := `{"type":"warning","timestamp":"2026-11-23T21:00:01Z","message":"m"}` + "\n"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// customEvent is an event type the package does not know.
type customEvent struct {
	N int `json:"n"`
}

func (customEvent) Type() string { return "custom" }

type scalarEvent int

func (scalarEvent) Type() string { return "scalar" }

type badEvent struct{ C chan int }

func (badEvent) Type() string { return "bad" }

func TestJSONOtherEvents(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSON(&buf).WithClock(fixedClock())
	j.Emit(customEvent{N: 3})
	j.Emit(scalarEvent(7))
	j.Emit(&event.Warning{Message: "pointer"})
	j.Emit(nil)
	j.Emit((*event.Warning)(nil))
	want := `{"type":"custom","timestamp":"2026-11-23T21:00:01Z","n":3}
{"type":"scalar","timestamp":"2026-11-23T21:00:02Z","value":7}
{"type":"warning","timestamp":"2026-11-23T21:00:03Z","message":"pointer"}
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if j.Err() != nil {
		t.Fatalf("Err() = %v", j.Err())
	}

	j.Emit(badEvent{C: make(chan int)})
	if err := j.Err(); err == nil || !strings.Contains(err.Error(), "encoding bad event") {
		t.Fatalf("Err() = %v, want an encoding error naming the event", err)
	}
}

func TestJSONWriteError(t *testing.T) {
	j := NewJSON(failingWriter{})
	j.Emit(event.Warning{Message: "x"})
	if err := j.Err(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Err() = %v, want the write error", err)
	}
}

func TestJSONDoesNotModifyEvent(t *testing.T) {
	e := diffRun()[1].(event.TaskFinished)
	NewJSON(&bytes.Buffer{}).Emit(e)
	last := e.Diff[len(e.Diff)-1]
	if last.Before != secretBefore {
		t.Fatalf("redaction changed the caller's event")
	}
}
