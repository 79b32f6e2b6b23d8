package core

import (
	"sort"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/lang"
)

// Sensitive is how a sensitive value is shown.
const Sensitive = "(sensitive)"

// minSecretLen is the shortest secret scrubbed from free text: shorter
// ones would blank out ordinary output and protect nothing.
const minSecretLen = 3

// collectSecrets returns the string forms of every sensitive value among
// the variables and locals, longest first.
func collectSecrets(sets ...map[string]cty.Value) []string {
	seen := map[string]bool{}
	for _, set := range sets {
		for _, v := range set {
			addSecrets(v, false, seen)
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func addSecrets(v cty.Value, marked bool, seen map[string]bool) {
	if v.HasMark(lang.SensitiveMark) {
		marked = true
	}
	v, _ = v.Unmark()
	if v.IsNull() || !v.IsKnown() {
		return
	}
	ty := v.Type()
	switch {
	case ty.IsPrimitiveType():
		if marked {
			var s string
			switch ty {
			case cty.String:
				s = v.AsString()
			case cty.Number:
				s = v.AsBigFloat().Text('f', -1)
			default:
				return
			}
			if len(s) >= minSecretLen {
				seen[s] = true
			}
		}
	case ty.IsCollectionType() || ty.IsObjectType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			addSecrets(e, marked, seen)
		}
	}
}

// journalSafe returns outputs fit for the journal, or withheld=true when
// they hold a sensitive value (marked, or containing a secret string).
func (rs *runState) journalSafe(v cty.Value) (cty.Value, bool) {
	if v == cty.NilVal {
		return v, false
	}
	if v.ContainsMarked() || !v.IsWhollyKnown() {
		return cty.NilVal, true
	}
	if !rs.sink.hasSecrets() {
		// Nothing to find in its text (the journal marshals it again, and
		// withholds it if that fails).
		return v, false
	}
	b, err := ctyjson.Marshal(v, cty.DynamicPseudoType)
	if err != nil {
		return cty.NilVal, true
	}
	if rs.sink.s(string(b)) != string(b) {
		return cty.NilVal, true
	}
	return v, false
}

// redactor scrubs secret strings from everything the engine emits, and
// hides what the tasks with sensitive = true show. Secrets can be added
// while the run goes (the outputs of sensitive tasks).
type redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first
	repl    *strings.Replacer
	tasks   map[string]bool // sensitive tasks (no_log), by address
	sink    event.Sink
}

func newRedactor(secrets []string, tasks map[string]bool, sink event.Sink) *redactor {
	r := &redactor{tasks: tasks, sink: sink}
	r.add(secrets)
	return r
}

// add makes more strings secret.
func (r *redactor) add(secrets []string) {
	if len(secrets) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, s := range r.secrets {
		seen[s] = true
	}
	for _, s := range secrets {
		if !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, s)
		}
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	args := make([]string, 0, 2*len(r.secrets))
	for _, s := range r.secrets {
		args = append(args, s, Sensitive)
	}
	r.repl = strings.NewReplacer(args...)
}

// addValue makes the string forms of v (and of everything in it) secret,
// but for the public names given (host names: a module's outputs often
// name the host, which is no secret and must stay readable).
func (r *redactor) addValue(v cty.Value, public map[string]bool) {
	seen := map[string]bool{}
	addSecrets(v, true, seen)
	out := make([]string, 0, len(seen))
	for s := range seen {
		if !public[s] {
			out = append(out, s)
		}
	}
	r.add(out)
}

// hasSecrets says whether any string is secret yet.
func (r *redactor) hasSecrets() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.repl != nil
}

func (r *redactor) s(s string) string {
	r.mu.RLock()
	repl := r.repl
	r.mu.RUnlock()
	if repl == nil || s == "" {
		return s
	}
	return repl.Replace(s)
}

// Emit scrubs e and passes it on. Instance keys are scrubbed too (a key
// may come from a task's output that printed a secret); host names are
// the inventory's, never secrets.
func (r *redactor) Emit(e event.Event) {
	if r.sink == nil {
		return
	}
	e = r.hideTask(e)
	if !r.hasSecrets() {
		r.sink.Emit(e) // nothing to scrub: no copy of the event
		return
	}
	switch ev := e.(type) {
	case event.TaskStarted:
		ev.Key = r.s(ev.Key)
		e = ev
	case event.TaskOutput:
		ev.Key, ev.Line = r.s(ev.Key), r.s(ev.Line)
		e = ev
	case event.TaskRetry:
		ev.Key, ev.Reason = r.s(ev.Key), r.s(ev.Reason)
		e = ev
	case event.TaskFinished:
		ev.Key = r.s(ev.Key)
		ev.Reason, ev.Stderr = r.s(ev.Reason), r.s(ev.Stderr)
		diff := make([]event.Diff, len(ev.Diff))
		for i, d := range ev.Diff {
			d.Before, d.After, d.Unified = r.s(d.Before), r.s(d.After), r.s(d.Unified)
			diff[i] = d
		}
		ev.Diff = diff
		diags := make([]event.Diagnostic, len(ev.Diagnostics))
		for i, d := range ev.Diagnostics {
			diags[i] = r.diagnostic(d)
		}
		ev.Diagnostics = diags
		e = ev
	case event.RunFinished:
		ev.Error = r.s(ev.Error)
		e = ev
	case event.Warning:
		ev.Message = r.s(ev.Message)
		e = ev
	case event.HostCommand:
		ev.Key = r.s(ev.Key)
		ev.Command, ev.Error = r.s(ev.Command), r.s(ev.Error)
		e = ev
	case event.HostConnected:
		ev.Error = r.s(ev.Error)
		e = ev
	case event.Diagnostic:
		e = r.diagnostic(ev)
	}
	r.sink.Emit(e)
}

func (r *redactor) diagnostic(d event.Diagnostic) event.Diagnostic {
	d.Summary, d.Detail, d.Snippet = r.s(d.Summary), r.s(d.Detail), r.s(d.Snippet)
	return d
}

// hideTask replaces what a task with sensitive = true shows (its output
// lines, commands, reasons, stderr, diffs, error details) with
// "(sensitive)", as Ansible's no_log does. What the engine itself says
// about it (that it was skipped, and why) stays.
func (r *redactor) hideTask(e event.Event) event.Event {
	if len(r.tasks) == 0 {
		return e
	}
	switch ev := e.(type) {
	case event.TaskOutput:
		if r.tasks[ev.Task] {
			ev.Line = Sensitive
			return ev
		}
	case event.TaskRetry:
		if r.tasks[ev.Task] {
			ev.Reason = Sensitive
			return ev
		}
	case event.HostCommand:
		if r.tasks[ev.Task] {
			ev.Command = Sensitive
			if ev.Error != "" {
				ev.Error = Sensitive
			}
			return ev
		}
	case event.TaskFinished:
		if !r.tasks[ev.Task] {
			return e
		}
		if ev.Reason != "" && ev.Status != event.StatusSkipped {
			ev.Reason = Sensitive
		}
		if ev.Stderr != "" {
			ev.Stderr = Sensitive
		}
		diff := make([]event.Diff, len(ev.Diff))
		for i, d := range ev.Diff {
			diff[i] = event.Diff{Name: d.Name, BeforeAbsent: d.BeforeAbsent, AfterAbsent: d.AfterAbsent, Sensitive: true}
		}
		ev.Diff = diff
		diags := make([]event.Diagnostic, len(ev.Diagnostics))
		for i, d := range ev.Diagnostics {
			d.Detail = Sensitive
			diags[i] = d
		}
		ev.Diagnostics = diags
		return ev
	}
	return e
}
