// Package ui owns the renderers: it turns the engine's events (package
// event) and the diagnostics found while loading a runbook into output for
// people and for programs. It does not run anything, decide exit codes or
// parse flags (cmd/runbook does), and the engine never imports it.
//
// Two views implement View, like terraform's internal/command/views:
//
//   - Human (human.go): a header per run, one line per finished task
//     instance with its status, address, host and duration; failures and
//     --diff items below it; a live status line on a terminal (status.go);
//     a recap per host and a summary line at the end (recap.go). Colour
//     only on a terminal with NO_COLOR unset, or as Options say.
//   - JSON (json.go): JSON lines, described below.
//
// WriteDiagnostics (diagnostics.go) renders hcl diagnostics with a
// "file:line:col: Error: summary" first line and an underlined snippet.
//
// Nothing marked sensitive is ever written: a Diff item with Sensitive set
// shows "(sensitive)" in human output and has before, after and unified
// removed in JSON. Text that comes from hosts (output, stderr, reasons) is
// stripped of control characters before it reaches a terminal.
//
// # JSON lines
//
// Every line is one object. The first two members are always
//
//	"type"       the event type, below
//	"timestamp"  when the renderer wrote it, RFC 3339 with nanoseconds, UTC
//
// followed by the event's fields, in the order listed. Fields are only
// ever added, never renamed or removed; members marked "omitted when empty"
// are left out when they are empty, zero or false, and "key" (the for_each
// key of a task instance) is omitted when empty everywhere. Durations are
// integer nanoseconds; times are RFC 3339. Readers must ignore members and
// types they do not know.
//
//	run_started    run_id, runbook, check (bool), hosts ([]string),
//	               tasks (task instances in the graph), time
//	task_started   task (address, e.g. "task.build_image"), key, host, time
//	task_output    task, key, host, stream ("stdout" or "stderr"), line
//	task_retry     task, key, host, attempt, of, reason
//	task_finished  task, key, host, status, reason, rc, stderr, diff,
//	               duration_ns, notified; reason, rc, stderr, diff and
//	               notified omitted when empty. status is one of ok,
//	               changed, would_change, unpredictable, failed,
//	               unreachable, skipped, rescued. diff is a list of
//	               {name, before, after, before_absent, after_absent,
//	               unified, sensitive}, all but name omitted when empty;
//	               a sensitive item carries only name, the absent flags and
//	               sensitive. diagnostics (omitted when empty) are the
//	               source-located problems behind a failure, each with the
//	               fields of a diagnostic line below; reason then holds the
//	               module's own error, or their one-line form.
//	warning        message
//	interrupted    signal, second (bool: running work is being cancelled)
//	run_finished   run_id, check, recap, exit_code, duration_ns, error
//	               (omitted when empty). recap is a list of {host, ok,
//	               changed, would_change, unpredictable, failed, skipped,
//	               unreachable, rescued}.
//	diagnostic     severity ("error" or "warning"), summary, and, omitted
//	               when empty: detail, filename, line, column, end_line,
//	               end_column (the subject range, end exclusive), context
//	               (the enclosing block, e.g. `task "x"`), snippet (whole
//	               source lines, newline-separated) and snippet_line (the
//	               line number of the snippet's first line).
//
// An example:
//
//	{"type":"task_finished","timestamp":"2026-11-23T21:00:01.5Z","task":"task.trove_conf","host":"ctl1","status":"changed","duration_ns":420000000}
package ui
