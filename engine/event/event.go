// Package event owns the typed events the engine emits while it validates,
// plans and runs a runbook. The engine never prints: renderers in engine/ui
// turn these events into human output, JSON lines or a journal.
//
// Every event has a stable Type() string, used as the "type" field of the
// JSON renderer; fields are only ever added, never renamed.
package event

import (
	"sync"
	"time"
)

// Event is one thing that happened.
type Event interface {
	Type() string
}

// Sink receives events. Emit may be called from many goroutines at once;
// implementations serialize as they need.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// Multi fans events out to several sinks in order.
func Multi(sinks ...Sink) Sink {
	return SinkFunc(func(e Event) {
		for _, s := range sinks {
			if s != nil {
				s.Emit(e)
			}
		}
	})
}

// Recorder keeps every event; for tests.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Emit records e.
func (r *Recorder) Emit(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events returns a copy of what was recorded.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Status is the outcome of one task instance on one host.
type Status string

const (
	StatusOK            Status = "ok"            // nothing to change
	StatusChanged       Status = "changed"       // run: a change was made
	StatusWouldChange   Status = "would_change"  // check: a change is pending
	StatusUnpredictable Status = "unpredictable" // check: cannot know without doing it
	StatusFailed        Status = "failed"
	StatusUnreachable   Status = "unreachable"
	StatusSkipped       Status = "skipped"
	StatusRescued       Status = "rescued" // failed inside a block whose rescue then succeeded
	StatusIgnored       Status = "ignored" // failed, and ignore_errors let the run go on
)

// RunStarted opens a run (or a check).
type RunStarted struct {
	RunID   string    `json:"run_id"`
	Runbook string    `json:"runbook"`
	Check   bool      `json:"check"`
	Hosts   []string  `json:"hosts"`
	Tasks   int       `json:"tasks"` // task instances in the graph (for_each items not counted)
	Time    time.Time `json:"time"`
	// Plan lists every task and handler in the order they were declared,
	// with the hosts it has instances on.
	Plan []PlannedTask `json:"plan,omitempty"`
}

// PlannedTask is one task or handler of a run as planned before it starts.
type PlannedTask struct {
	Task     string   `json:"task"`
	Hosts    []string `json:"hosts"`
	Declared string   `json:"declared,omitempty"` // file:line
	Tags     []string `json:"tags,omitempty"`
	Selected bool     `json:"selected"`           // false: left out by --tags, --skip-tags or --start-at-task
	Pulled   bool     `json:"pulled,omitempty"`   // left out, but a selected task reads it: it runs as a read only
	ForEach  bool     `json:"for_each,omitempty"` // its instances expand into items at run time
}

// TaskStarted: a task instance began on a host.
type TaskStarted struct {
	Task string    `json:"task"` // address, e.g. task.build_image or handler.restart
	Key  string    `json:"key,omitempty"`
	Host string    `json:"host"`
	Time time.Time `json:"time"`
}

// TaskOutput is a line of a running task's output, for progress.
type TaskOutput struct {
	Task   string `json:"task"`
	Key    string `json:"key,omitempty"`
	Host   string `json:"host"`
	Stream string `json:"stream"` // stdout or stderr
	Line   string `json:"line"`
}

// TaskRetry: an attempt did not satisfy `until` (or failed) and another
// attempt follows after a delay.
type TaskRetry struct {
	Task    string `json:"task"`
	Key     string `json:"key,omitempty"`
	Host    string `json:"host"`
	Attempt int    `json:"attempt"`
	Of      int    `json:"of"`
	Reason  string `json:"reason"`
}

// Diff is a change shown for --diff.
type Diff struct {
	Name         string `json:"name"`
	Before       string `json:"before,omitempty"`
	After        string `json:"after,omitempty"`
	BeforeAbsent bool   `json:"before_absent,omitempty"`
	AfterAbsent  bool   `json:"after_absent,omitempty"`
	Unified      string `json:"unified,omitempty"`
	Sensitive    bool   `json:"sensitive,omitempty"`
}

// TaskFinished: a task instance ended on a host.
type TaskFinished struct {
	Task     string        `json:"task"`
	Key      string        `json:"key,omitempty"`
	Host     string        `json:"host"`
	Status   Status        `json:"status"`
	Reason   string        `json:"reason,omitempty"` // one line: why skipped, what would change, the error
	RC       *int          `json:"rc,omitempty"`     // exit status of a failed command
	Stderr   string        `json:"stderr,omitempty"` // tail of stderr of a failed command
	Diff     []Diff        `json:"diff,omitempty"`   // only filled when --diff is on
	Duration time.Duration `json:"duration_ns"`
	Notified []string      `json:"notified,omitempty"` // handlers this change notified
	// PredictedFrom, in a check, names the instances ("task.appdir@sd01")
	// whose planned changes this prediction was built on: the host does
	// not look like this yet, the run will make it so before this task.
	PredictedFrom []string `json:"predicted_from,omitempty"`
	// Diagnostics are the source-located problems behind a failure (an
	// expression that could not be evaluated, an argument a module
	// rejected), with file, position and snippet. Reason then holds the
	// module's own error, or DiagnosticsLine of these when there is none.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// HostConnected: the run's connection to a host was opened (or could not
// be). Emitted when the run traces (-vvv).
type HostConnected struct {
	Host      string        `json:"host"`
	Transport string        `json:"transport"`
	Address   string        `json:"address,omitempty"`
	Port      int           `json:"port,omitempty"`
	User      string        `json:"user,omitempty"`
	Via       []string      `json:"via,omitempty"` // jump hosts
	Duration  time.Duration `json:"duration_ns"`
	Error     string        `json:"error,omitempty"`
}

// HostCommand: a command a task instance ran on a host, quoted as a shell
// would read it. Emitted when the run traces (-vvv).
type HostCommand struct {
	Task     string        `json:"task"`
	Key      string        `json:"key,omitempty"`
	Host     string        `json:"host"`
	Command  string        `json:"command"`
	Become   string        `json:"become,omitempty"` // the user it ran as through sudo
	RC       int           `json:"rc"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
}

// Warning is a non-fatal message.
type Warning struct {
	Message string `json:"message"`
}

// Interrupted: a signal asked the run to stop.
type Interrupted struct {
	Signal string `json:"signal"`
	Second bool   `json:"second"` // a second signal: running work is being cancelled
}

// HostRecap is the recap of one host, like Ansible's PLAY RECAP line.
type HostRecap struct {
	Host          string `json:"host"`
	OK            int    `json:"ok"`
	Changed       int    `json:"changed"`
	WouldChange   int    `json:"would_change"`
	Unpredictable int    `json:"unpredictable"`
	Failed        int    `json:"failed"`
	Skipped       int    `json:"skipped"`
	Unreachable   int    `json:"unreachable"`
	Rescued       int    `json:"rescued"`
	Ignored       int    `json:"ignored"`
}

// RunFinished closes a run with its recap and exit code.
type RunFinished struct {
	RunID    string        `json:"run_id"`
	Check    bool          `json:"check"`
	Recap    []HostRecap   `json:"recap"`
	ExitCode int           `json:"exit_code"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
}

// Diagnostic is an error or warning about the runbook or inventory found
// before anything ran, with its source location.
type Diagnostic struct {
	Severity string `json:"severity"` // error or warning
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	Filename string `json:"filename,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Snippet  string `json:"snippet,omitempty"`

	// EndLine and EndColumn close the subject range that Line and Column
	// open (the end is exclusive, like hcl.Range).
	EndLine   int `json:"end_line,omitempty"`
	EndColumn int `json:"end_column,omitempty"`
	// Context names the enclosing block, e.g. `task "trove_conf"`.
	Context string `json:"context,omitempty"`
	// SnippetLine is the line number of Snippet's first line; Snippet holds
	// whole source lines, newline-separated, covering the subject.
	SnippetLine int `json:"snippet_line,omitempty"`
}

func (RunStarted) Type() string    { return "run_started" }
func (TaskStarted) Type() string   { return "task_started" }
func (TaskOutput) Type() string    { return "task_output" }
func (TaskRetry) Type() string     { return "task_retry" }
func (TaskFinished) Type() string  { return "task_finished" }
func (Warning) Type() string       { return "warning" }
func (HostConnected) Type() string { return "host_connected" }
func (HostCommand) Type() string   { return "host_command" }
func (Interrupted) Type() string   { return "interrupted" }
func (RunFinished) Type() string   { return "run_finished" }
func (Diagnostic) Type() string    { return "diagnostic" }
