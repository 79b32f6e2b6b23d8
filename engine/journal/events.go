package journal

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

// eventLine is a recorded event: its stable type and its JSON form.
type eventLine struct {
	Type  string          `json:"type"` // "event"
	Time  time.Time       `json:"time"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// eventLineOut is an eventLine as written: the event marshalled in the
// same pass as the line (a RawMessage would be marshalled, then scanned
// and copied again).
type eventLineOut struct {
	Type  string      `json:"type"`
	Time  time.Time   `json:"time"`
	Event string      `json:"event"`
	Data  event.Event `json:"data"`
}

// recorded are the events a journal keeps: what a report page shows.
// Task output lines are not kept (they may be long; the failures'
// stderr tails are in task_finished).
var recorded = map[string]bool{
	"run_started": true, "task_started": true, "task_finished": true, "task_retry": true,
	"warning": true, "interrupted": true, "run_finished": true,
}

// Events returns a sink that records the run's events in the journal.
// Give it events after the engine redacted them (the engine's sink), so
// that no sensitive value is written.
func (w *Writer) Events() event.Sink {
	return event.SinkFunc(func(e event.Event) {
		if !recorded[e.Type()] {
			return
		}
		out, err := json.Marshal(eventLineOut{Type: "event", Time: time.Now().UTC(), Event: e.Type(), Data: e})
		if err != nil {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, err := w.f.Write(append(out, '\n')); err != nil && w.err == nil {
			w.err = err
		}
	})
}

// Record is a journal read back for a report: the run and its events in
// the order they happened.
type Record struct {
	RunID   string
	Runbook string
	Check   bool
	Path    string
	Events  []Timed
}

// Timed is an event with the time it was recorded.
type Timed struct {
	Time  time.Time
	Event event.Event
}

// ReadRecord reads the journal of run id in the runs folder dir for a
// report. A resumed run's journal holds both runs, one after the other.
func ReadRecord(dir, id string) (*Record, error) {
	p, err := Path(dir, id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no journal for run %q in %s%s", id, dir, knownRuns(dir))
		}
		return nil, err
	}
	defer f.Close()
	r := &Record{RunID: id, Path: p}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var head struct {
			Type    string `json:"type"`
			Runbook string `json:"runbook"`
			Check   bool   `json:"check"`
		}
		if json.Unmarshal(sc.Bytes(), &head) != nil {
			continue // a torn last line
		}
		switch head.Type {
		case "run":
			if r.Runbook == "" {
				r.Runbook, r.Check = head.Runbook, head.Check
			}
		case "event":
			var l eventLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			if e := decodeEvent(l.Event, l.Data); e != nil {
				r.Events = append(r.Events, Timed{Time: l.Time, Event: e})
			}
		}
	}
	return r, sc.Err()
}

func decodeEvent(typ string, data []byte) event.Event {
	switch typ {
	case "run_started":
		return decodeAs[event.RunStarted](data)
	case "task_started":
		return decodeAs[event.TaskStarted](data)
	case "task_finished":
		return decodeAs[event.TaskFinished](data)
	case "task_retry":
		return decodeAs[event.TaskRetry](data)
	case "warning":
		return decodeAs[event.Warning](data)
	case "interrupted":
		return decodeAs[event.Interrupted](data)
	case "run_finished":
		return decodeAs[event.RunFinished](data)
	}
	return nil
}

// decodeAs reads one event of type E, or nil when it does not decode.
func decodeAs[E event.Event](data []byte) event.Event {
	var e E
	if json.Unmarshal(data, &e) != nil {
		return nil
	}
	return e
}

// Runs lists the run ids in dir, newest first.
func Runs(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	ids := make([]string, 0, len(matches))
	for _, m := range matches {
		ids = append(ids, strings.TrimSuffix(filepath.Base(m), ".jsonl"))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	return ids
}

func knownRuns(dir string) string {
	ids := Runs(dir)
	if len(ids) == 0 {
		return " (no runs recorded there)"
	}
	if len(ids) > 5 {
		ids = ids[:5]
	}
	return "; the latest are: " + strings.Join(ids, ", ")
}

// Prune deletes the oldest journals of dir so that at most keep remain
// (run ids sort by start time). keep <= 0 keeps everything.
func Prune(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	ids := Runs(dir)
	var first error
	for _, id := range ids[min(keep, len(ids)):] {
		if err := os.Remove(filepath.Join(dir, id+".jsonl")); err != nil && first == nil {
			first = err
		}
	}
	return first
}
