package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbook-dev/runbook/engine/event"
)

// stderrTailLines caps how much of a failed command's stderr is shown.
const stderrTailLines = 20

// Human renders events for a person: one line per finished task instance,
// details of failures and diffs below it, a live status line on a terminal
// and a recap at the end. It is safe for concurrent use.
type Human struct {
	mu      sync.Mutex
	w       io.Writer
	opts    Options
	style   styler
	tty     bool // live status line on
	check   bool // the current run is a check
	padding int  // width of the status column
	tally   tally
	status  statusLine
	err     error // first write error
	// declared is where each task of the run is declared (-vv).
	declared map[string]string
	// unpredictable lists the instances a check could not predict, for
	// the end of the check.
	unpredictable []string
}

// NewHuman returns a human renderer writing to w.
func NewHuman(w io.Writer, opts Options) *Human {
	h := &Human{
		w:       w,
		opts:    opts,
		style:   styler{on: UseColor(w, opts.Color, opts.Getenv)},
		tty:     !opts.NoProgress && isTerminal(w) && getenvOr(opts.Getenv)("TERM") != "dumb",
		padding: len(statusWord(event.StatusUnreachable)),
	}
	h.status.init(h)
	return h
}

// Err returns the first error met writing output, if any.
func (h *Human) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Emit renders one event.
func (h *Human) Emit(e event.Event) {
	if isNilEvent(e) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch e := normalize(e).(type) {
	case event.TaskOutput:
		h.taskOutput(e)
		return // the status line, if any, is redrawn by taskOutput
	case event.TaskStarted:
		h.status.start(e)
		if h.opts.Verbosity >= 2 {
			h.status.clear()
			h.taskStarted(e)
		}
	default:
		h.status.clear()
		h.permanent(e)
	}
	h.status.draw(true)
}

// Diagnostics writes diags in the style of hcl's diagnostic text.
func (h *Human) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status.clear()
	h.setErr(WriteDiagnostics(h.w, diags, files, h.style.on, h.width()))
}

// permanent renders the events that leave lines behind.
func (h *Human) permanent(e event.Event) {
	switch e := e.(type) {
	case event.RunStarted:
		h.runStarted(e)
	case event.TaskFinished:
		h.taskFinished(e)
	case event.TaskRetry:
		h.taskRetry(e)
	case event.Warning:
		h.printf("%s %s\n", h.style.paint(sgrYellow, "Warning:"), sanitize(e.Message))
	case event.Interrupted:
		h.interrupted(e)
	case event.RunFinished:
		h.runFinished(e)
	case event.Diagnostic:
		h.setErr(writeDiagnostic(h.w, e, h.style.on, h.width()))
	case event.HostConnected:
		h.hostConnected(e)
	case event.HostCommand:
		h.hostCommand(e)
	}
}

// taskStarted is the -vv line of an instance that starts, with where its
// task is declared.
func (h *Human) taskStarted(e event.TaskStarted) {
	line := "  " + h.style.muted(fmt.Sprintf("%-*s", h.padding, "start")) + "  " + sanitize(instanceAddr(e.Task, e.Key))
	if e.Host != "" {
		line += "  " + sanitize(e.Host)
	}
	if at := h.declared[e.Task]; at != "" {
		line += h.style.muted("  (" + sanitize(at) + ")")
	}
	h.printf("%s\n", line)
}

// hostConnected is the -vvv line of a connection opened.
func (h *Human) hostConnected(e event.HostConnected) {
	if h.opts.Verbosity < 3 {
		return
	}
	target := e.Address
	if e.User != "" {
		target = e.User + "@" + target
	}
	if e.Port != 0 {
		target += fmt.Sprintf(":%d", e.Port)
	}
	line := fmt.Sprintf("connect %s: %s %s", e.Host, e.Transport, target)
	if len(e.Via) > 0 {
		line += " via " + strings.Join(e.Via, ", ")
	}
	line += " (" + formatDuration(e.Duration) + ")"
	if e.Error != "" {
		line += ": " + e.Error
	}
	h.printf("  %s\n", h.style.muted(sanitize(line)))
}

// hostCommand is the -vvv line of a command run on a host.
func (h *Human) hostCommand(e event.HostCommand) {
	if h.opts.Verbosity < 3 {
		return
	}
	who := e.Host
	if e.Become != "" {
		who += " as " + e.Become
	}
	line := fmt.Sprintf("%s %s $ %s  [rc=%d, %s]", instanceAddr(e.Task, e.Key), who, e.Command, e.RC, formatDuration(e.Duration))
	if e.Error != "" {
		line += " " + e.Error
	}
	h.printf("  %s\n", h.style.muted(sanitize(line)))
}

func (h *Human) runStarted(e event.RunStarted) {
	h.check = e.Check
	h.unpredictable = nil
	h.declared = map[string]string{}
	for _, t := range e.Plan {
		h.declared[t.Task] = t.Declared
	}
	h.tally = tally{}
	h.padding = len(statusWord(event.StatusUnreachable))
	verb := "Running"
	if e.Check {
		verb = "Checking"
		h.padding = len(statusWord(event.StatusUnpredictable))
	}
	name := e.Runbook
	if name == "" {
		name = "runbook"
	}
	line := fmt.Sprintf("%s %s on %s", verb, h.style.bold(sanitize(name)), hostList(e.Hosts))
	switch tasks, forEach := planned(e.Plan); {
	case forEach:
		// for_each items expand as the run goes: the count would be wrong.
		line += fmt.Sprintf(", %d %s (for_each items are counted as they run)", tasks, plural(tasks, "task", "tasks"))
	case e.Tasks > 0:
		line += fmt.Sprintf(", %d task %s", e.Tasks, plural(e.Tasks, "instance", "instances"))
	}
	if e.RunID != "" {
		line += h.style.muted("  run " + sanitize(e.RunID))
	}
	h.printf("%s\n\n", line)
}

// planned counts the tasks of a plan that run somewhere, and says whether
// one of them has for_each.
func planned(plan []event.PlannedTask) (tasks int, forEach bool) {
	for _, t := range plan {
		if t.Selected && len(t.Hosts) > 0 {
			tasks++
			forEach = forEach || t.ForEach
		}
	}
	return tasks, forEach
}

// hostList reads "2 hosts (ctl1, ctl2)", naming at most five.
func hostList(hosts []string) string {
	const show = 5
	if len(hosts) == 0 {
		return "the control node"
	}
	names := make([]string, 0, show+1)
	for i, host := range hosts {
		if i == show {
			names = append(names, fmt.Sprintf("and %d more", len(hosts)-show))
			break
		}
		names = append(names, sanitize(host))
	}
	return fmt.Sprintf("%d %s (%s)", len(hosts), plural(len(hosts), "host", "hosts"), strings.Join(names, ", "))
}

func (h *Human) taskFinished(e event.TaskFinished) {
	h.status.finish(e.Task, e.Key, e.Host)
	h.tally.add(e.Host, e.Status)
	if e.Status == event.StatusUnpredictable {
		h.unpredictable = append(h.unpredictable, instanceAddr(e.Task, e.Key)+" ("+e.Host+")")
	}

	word := statusWord(e.Status)
	pad := strings.Repeat(" ", max(0, h.padding-len(word)))
	var b strings.Builder
	b.WriteString("  ")
	b.WriteString(h.style.paint(statusColor(e.Status), word))
	b.WriteString(pad)
	b.WriteString("  ")
	b.WriteString(sanitize(instanceAddr(e.Task, e.Key)))
	if e.Host != "" {
		b.WriteString("  ")
		b.WriteString(sanitize(e.Host))
	}
	b.WriteString(h.style.muted("  (" + formatDuration(e.Duration) + ")"))
	problem := e.Status == event.StatusFailed || e.Status == event.StatusUnreachable
	var notes []string
	if e.Reason != "" && !problem {
		notes = append(notes, oneLine(e.Reason))
	}
	if after := afterText(e.Host, e.PredictedFrom); after != "" && !problem {
		notes = append(notes, sanitize(after))
	}
	if len(e.Notified) > 0 {
		notes = append(notes, "notify "+sanitize(strings.Join(e.Notified, ", ")))
	}
	if len(notes) > 0 {
		b.WriteString("  ")
		b.WriteString(h.style.muted(strings.Join(notes, "; ")))
	}
	h.printf("%s\n", b.String())

	if problem {
		h.problemDetail(e)
	}
	if len(e.Diff) > 0 {
		h.printf("%s", renderDiff(e.Diff, h.style, detailIndent))
	}
}

// afterText says which planned changes a check's prediction rests on:
// "after task.appdir, task.unit" (an instance on another host keeps its
// "@host").
func afterText(host string, from []string) string {
	if len(from) == 0 {
		return ""
	}
	names := make([]string, len(from))
	for i, f := range from {
		names[i] = strings.TrimSuffix(f, "@"+host)
	}
	return "after " + strings.Join(names, ", ")
}

// detailIndent is the indentation of lines shown below a task line.
const detailIndent = "      "

// problemDetail shows why a task instance failed: the reason, the exit
// status and the tail of stderr.
func (h *Human) problemDetail(e event.TaskFinished) {
	reason := e.Reason
	if reason == "" {
		reason = "no reason given"
	}
	// A failure made only of diagnostics shows them, with their snippets,
	// rather than their one-line form too.
	if len(e.Diagnostics) == 0 || reason != event.DiagnosticsLine(e.Diagnostics) {
		for _, line := range strings.Split(strings.TrimRight(reason, "\n"), "\n") {
			h.printf("%s%s\n", detailIndent, h.style.paint(sgrRed, sanitize(line)))
		}
	}
	if len(e.Diagnostics) > 0 {
		var b strings.Builder
		for _, d := range e.Diagnostics {
			h.setErr(writeDiagnostic(&b, d, h.style.on, max(0, h.width()-len(detailIndent))))
		}
		for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			if line == "" {
				h.printf("\n")
				continue
			}
			h.printf("%s%s\n", detailIndent, line)
		}
	}
	tail := lastLines(e.Stderr, stderrTailLines)
	switch {
	case e.RC != nil && len(tail) > 0:
		h.printf("%s%s\n", detailIndent, h.style.muted(fmt.Sprintf("rc=%d, stderr:", *e.RC)))
	case e.RC != nil:
		h.printf("%s%s\n", detailIndent, h.style.muted(fmt.Sprintf("rc=%d", *e.RC)))
	case len(tail) > 0:
		h.printf("%s%s\n", detailIndent, h.style.muted("stderr:"))
	}
	for _, line := range tail {
		h.printf("%s  %s\n", detailIndent, sanitize(line))
	}
}

func (h *Human) taskRetry(e event.TaskRetry) {
	word := "retry"
	pad := strings.Repeat(" ", max(0, h.padding-len(word)))
	line := fmt.Sprintf("  %s%s  %s", h.style.paint(sgrYellow, word), pad, sanitize(instanceAddr(e.Task, e.Key)))
	if e.Host != "" {
		line += "  " + sanitize(e.Host)
	}
	attempt := fmt.Sprintf("attempt %d", e.Attempt)
	if e.Of > 0 {
		attempt = fmt.Sprintf("attempt %d/%d", e.Attempt, e.Of)
	}
	if e.Reason != "" {
		attempt += ": " + oneLine(e.Reason)
	}
	h.printf("%s  %s\n", line, h.style.muted(attempt))
}

func (h *Human) interrupted(e event.Interrupted) {
	sig := e.Signal
	if sig == "" {
		sig = "signal"
	}
	msg := fmt.Sprintf("Interrupted (%s): no new tasks start; waiting for running tasks to finish. Interrupt again to cancel them.", sanitize(sig))
	if e.Second {
		msg = fmt.Sprintf("Interrupted again (%s): cancelling running tasks.", sanitize(sig))
	}
	h.printf("\n%s\n", h.style.paint(sgrBoldRed, msg))
}

func (h *Human) taskOutput(e event.TaskOutput) {
	if h.opts.Verbosity >= 1 {
		h.status.clear()
		prefix := sanitize(instanceAddr(e.Task, e.Key))
		if e.Host != "" {
			prefix += " " + sanitize(e.Host)
		}
		if e.Stream == "stderr" {
			prefix += " (stderr)"
		}
		h.printf("  %s %s\n", h.style.muted(prefix+" |"), sanitize(e.Line))
		h.status.output(e)
		h.status.draw(true)
		return
	}
	h.status.output(e)
	h.status.draw(false)
}

// width is the width to wrap and truncate to.
func (h *Human) width() int {
	if h.opts.Width > 0 {
		return h.opts.Width
	}
	if w := terminalWidth(h.w); w > 0 {
		return w
	}
	return 80
}

func (h *Human) printf(format string, args ...any) {
	_, err := fmt.Fprintf(h.w, format, args...)
	h.setErr(err)
}

func (h *Human) setErr(err error) {
	if err != nil && h.err == nil {
		h.err = err
	}
}

// oneLine keeps a reason on one line: the first line, sanitized, with a
// marker when more followed.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	return sanitize(s)
}

// formatDuration is short and stable: 0.42s, 12.30s, 3m04s, 1h02m.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
