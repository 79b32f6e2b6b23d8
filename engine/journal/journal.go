// Package journal owns the on-disk record of a run: which task instances
// completed, with their outputs, so that `runbook run --resume ID` can go on
// from the first instance that did not complete, with pending handlers
// still pending.
//
// A journal is a JSON-lines file <id>.jsonl, mode 0600, in a 0700 folder
// of runs (the command puts it under RUNBOOK_STATE_DIR, or the user's
// state folder, ~/.local/state/runbook). Besides the completed instances
// it records the run's events (events.go), from which `runbook report`
// draws its page; Prune keeps the folder from growing without end. It never holds a sensitive value: the engine withholds the
// outputs of any instance whose outputs contain one (that instance is then
// run again on resume). It does not decide what to skip; engine/core asks.
package journal

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

type line struct {
	Type    string `json:"type"`            // run, done, event, finished
	Check   bool   `json:"check,omitempty"` // the run was a check: nothing to resume
	RunID   string `json:"run_id,omitempty"`
	Runbook string `json:"runbook,omitempty"`
	// The run's identity, checked on resume (Identity).
	RunbookPath   string          `json:"runbook_path,omitempty"`
	RunbookHash   string          `json:"runbook_hash,omitempty"`
	InventoryHash string          `json:"inventory_hash,omitempty"`
	Time          time.Time       `json:"time"`
	Task          string          `json:"task,omitempty"`
	Host          string          `json:"host,omitempty"`
	Status        string          `json:"status,omitempty"`
	Changed       bool            `json:"changed,omitempty"`
	Outputs       json.RawMessage `json:"outputs,omitempty"` // cty JSON of the value with its type
	Withheld      bool            `json:"withheld,omitempty"`
	ExitCode      *int            `json:"exit_code,omitempty"`
}

// Writer appends to a journal. It is safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	err  error

	typesMu sync.Mutex
	types   map[string]typeJSON // the JSON of each task's outputs type, last seen
}

type typeJSON struct {
	ty   cty.Type
	json []byte
}

var validID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Path is the journal file of run id in the runs folder dir.
func Path(dir, id string) (string, error) {
	if !validID.MatchString(id) {
		return "", fmt.Errorf("invalid run id %q", id)
	}
	return filepath.Join(dir, id+".jsonl"), nil
}

// Identity says which runbook and inventory a run is of, so that a
// journal is resumed only by a run of the same: Runbook as given on the
// command line, RunbookPath its absolute path, RunbookHash a hash of its
// files, InventoryHash one of the hosts it ran against.
type Identity struct {
	Runbook       string
	RunbookPath   string
	RunbookHash   string
	InventoryHash string
}

func (id Identity) line(runID string, check bool) line {
	return line{Type: "run", RunID: runID, Runbook: id.Runbook, Check: check,
		RunbookPath: id.RunbookPath, RunbookHash: id.RunbookHash, InventoryHash: id.InventoryHash}
}

// Open creates (or, when resuming, appends to) the journal of run id in
// the runs folder base.
func Open(base, id string, who Identity) (*Writer, error) {
	return open(base, id, who.line(id, false))
}

// OpenCheck creates the journal of a check: its events only, for the
// report; it cannot be resumed.
func OpenCheck(base, id string, who Identity) (*Writer, error) {
	return open(base, id, who.line(id, true))
}

func open(base, id string, first line) (*Writer, error) {
	p, err := Path(base, id)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal folder: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	w := &Writer{f: f, path: p}
	w.write(first)
	return w, w.err
}

// Path is where the journal is written.
func (w *Writer) Path() string { return w.path }

func (w *Writer) write(l line) {
	l.Time = time.Now().UTC()
	// The outputs (cty's compact JSON) are put after the rest: a
	// json.RawMessage field would be scanned and copied again by
	// encoding/json, the larger part of a line's cost.
	outputs := l.Outputs
	l.Outputs = nil
	b, err := json.Marshal(l)
	if err == nil && len(outputs) > 0 {
		b = append(append(append(b[:len(b)-1], `,"outputs":`...), outputs...), '}')
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil && w.err == nil {
		w.err = err
	}
}

// Completed records a task instance that finished (ok or changed). With
// withheld set, outputs are not written (they held a sensitive value).
func (w *Writer) Completed(task, host, status string, changed bool, outputs cty.Value, withheld bool) {
	l := line{Type: "done", Task: task, Host: host, Status: status, Changed: changed, Withheld: withheld}
	if !withheld && outputs != cty.NilVal {
		b, err := w.outputsJSON(task, outputs)
		if err != nil {
			l.Withheld = true
		} else {
			l.Outputs = b
		}
	}
	w.write(l)
}

// outputsJSON is ctyjson.Marshal(v, cty.DynamicPseudoType): the value and
// its type, whose JSON (encoding/json over the type's description, the
// larger cost) is kept per task, as every instance of a task has the same
// outputs type as a rule.
func (w *Writer) outputsJSON(task string, v cty.Value) ([]byte, error) {
	ty := v.Type()
	if ty == cty.DynamicPseudoType || v.IsMarked() || !v.IsKnown() {
		return ctyjson.Marshal(v, cty.DynamicPseudoType)
	}
	w.typesMu.Lock()
	t, ok := w.types[task]
	w.typesMu.Unlock()
	if !ok || !t.ty.Equals(ty) {
		b, err := ctyjson.MarshalType(ty)
		if err != nil {
			return nil, err
		}
		t = typeJSON{ty: ty, json: b}
		w.typesMu.Lock()
		if w.types == nil {
			w.types = map[string]typeJSON{}
		}
		w.types[task] = t
		w.typesMu.Unlock()
	}
	val, err := ctyjson.Marshal(v, ty)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(val)+len(t.json)+20)
	out = append(out, `{"value":`...)
	out = append(out, val...)
	out = append(out, `,"type":`...)
	out = append(out, t.json...)
	return append(out, '}'), nil
}

// Finished records the end of the run and closes the file.
func (w *Writer) Finished(exitCode int) error {
	w.write(line{Type: "finished", ExitCode: &exitCode})
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// Entry is a completed instance read back from a journal.
type Entry struct {
	Changed bool
	Outputs cty.Value
}

// Journal is a journal read back for resuming.
type Journal struct {
	RunID    string
	Runbook  string
	Check    bool     // the journal of a check
	Identity Identity // of the run that wrote it first
	done     map[[2]string]Entry
}

// Belongs says why the journal cannot be resumed by a run of who, or nil
// when it can: it must be of the same runbook (path and files) and the
// same inventory.
func (j *Journal) Belongs(who Identity) error {
	had := j.Identity
	switch {
	case had.RunbookPath == "" || had.RunbookHash == "":
		return fmt.Errorf("run %s does not say which runbook it is of (a journal from an older runbook): start a new run", j.RunID)
	case had.RunbookPath != who.RunbookPath:
		return fmt.Errorf("run %s is of the runbook %s, not %s: resume it with that runbook", j.RunID, had.RunbookPath, who.RunbookPath)
	case had.RunbookHash != who.RunbookHash:
		return fmt.Errorf("the files of the runbook %s changed since run %s (its hash was %s, it is %s now): what completed then may not be what this runbook would do; start a new run",
			had.RunbookPath, j.RunID, short(had.RunbookHash), short(who.RunbookHash))
	case had.InventoryHash != who.InventoryHash:
		return fmt.Errorf("run %s of %s ran against other hosts (inventory hash %s, %s now): resume it with the same inventory and --limit, or start a new run",
			j.RunID, had.RunbookPath, short(had.InventoryHash), short(who.InventoryHash))
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Read loads the journal of run id.
func Read(base, id string) (*Journal, error) {
	p, err := Path(base, id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no journal for run %q in %s", id, filepath.Dir(p))
		}
		return nil, err
	}
	defer f.Close()
	j := &Journal{RunID: id, done: map[[2]string]Entry{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			// A run killed mid-write leaves a torn last line: ignore it.
			continue
		}
		switch l.Type {
		case "run":
			if j.Runbook == "" {
				j.Runbook, j.Check = l.Runbook, l.Check
				j.Identity = Identity{Runbook: l.Runbook, RunbookPath: l.RunbookPath, RunbookHash: l.RunbookHash, InventoryHash: l.InventoryHash}
			}
		case "done":
			if l.Withheld {
				continue
			}
			e := Entry{Changed: l.Changed, Outputs: cty.NullVal(cty.DynamicPseudoType)}
			if len(l.Outputs) > 0 {
				v, err := ctyjson.Unmarshal(l.Outputs, cty.DynamicPseudoType)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: outputs of %s on %s: %w", p, n, l.Task, l.Host, err)
				}
				e.Outputs = v
			}
			j.done[[2]string{l.Task, l.Host}] = e
		}
	}
	return j, sc.Err()
}

// Lookup says whether task completed on host in the journaled run.
func (j *Journal) Lookup(task, host string) (Entry, bool) {
	e, ok := j.done[[2]string{task, host}]
	return e, ok
}

// Len is the number of completed instances.
func (j *Journal) Len() int { return len(j.done) }
