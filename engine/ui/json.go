package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbook-dev/runbook/engine/event"
)

// JSON renders events as JSON lines: one object per event, with "type"
// and "timestamp" first and the event's own fields after them. The
// format is documented in the package doc. It is safe for concurrent use.
type JSON struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	err error
}

// NewJSON returns a JSON lines renderer writing to w.
func NewJSON(w io.Writer) *JSON {
	return &JSON{w: w, now: time.Now}
}

// WithClock makes the renderer stamp events with now(), for tests and
// replays; it returns j.
func (j *JSON) WithClock(now func() time.Time) *JSON {
	j.mu.Lock()
	j.now = now
	j.mu.Unlock()
	return j
}

// Err returns the first error met encoding or writing, if any.
func (j *JSON) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Emit writes e as one line.
func (j *JSON) Emit(e event.Event) {
	e = redact(normalize(e))
	if isNilEvent(e) {
		return
	}
	fields, err := json.Marshal(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		j.setErr(fmt.Errorf("encoding %s event: %w", e.Type(), err))
		return
	}
	line, err := jsonLine(e.Type(), j.now(), fields)
	if err != nil {
		j.setErr(fmt.Errorf("encoding %s event: %w", e.Type(), err))
		return
	}
	_, err = j.w.Write(line)
	j.setErr(err)
}

// Diagnostics emits one "diagnostic" line per diagnostic.
func (j *JSON) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	for _, d := range event.NewDiagnostics(diags, files) {
		j.Emit(d)
	}
}

func (j *JSON) setErr(err error) {
	if err != nil && j.err == nil {
		j.err = err
	}
}

// jsonLine builds {"type":...,"timestamp":...,<fields>}\n from the
// marshalled event, keeping the struct's field order.
func jsonLine(typ string, now time.Time, fields []byte) ([]byte, error) {
	head, err := json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
	}{typ, now.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return nil, err
	}
	fields = bytes.TrimSpace(fields)
	if len(fields) < 2 || fields[0] != '{' {
		// Not an object (an event type that is not a struct): keep it
		// under "value".
		wrapped, err := json.Marshal(map[string]json.RawMessage{"value": fields})
		if err != nil {
			return nil, err
		}
		fields = wrapped
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1])
	if inner := bytes.TrimSpace(fields[1 : len(fields)-1]); len(inner) > 0 {
		b.WriteByte(',')
		b.Write(inner)
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// redact blanks the values of sensitive diff items, so that nothing the
// engine marked sensitive is ever written, even if a module filled them.
func redact(e event.Event) event.Event {
	tf, ok := e.(event.TaskFinished)
	if !ok || len(tf.Diff) == 0 {
		return e
	}
	diff := make([]event.Diff, len(tf.Diff))
	for i, d := range tf.Diff {
		if d.Sensitive {
			d.Before, d.After, d.Unified = "", "", ""
		}
		diff[i] = d
	}
	tf.Diff = diff
	return tf
}

// isNilEvent reports a nil event or a nil pointer to an event struct,
// which cannot name its type.
func isNilEvent(e event.Event) bool {
	if e == nil {
		return true
	}
	v := reflect.ValueOf(e)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
