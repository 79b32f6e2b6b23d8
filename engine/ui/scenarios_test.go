package ui

import (
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

// Fixed event sequences shared by the golden tests. Durations and times
// are fixed so the goldens are deterministic.

var t0 = time.Date(2026, 11, 23, 21, 0, 0, 0, time.UTC)

func rc(n int) *int { return &n }

// secret values of a sensitive diff item; they must never be rendered.
const (
	secretBefore  = "s3cr3t-before-value"
	secretAfter   = "s3cr3t-after-value"
	secretUnified = "s3cr3t-unified-value"
)

var scenarios = []struct {
	name   string
	events []event.Event
}{
	{"check", checkRun()},
	{"run", applyRun()},
	{"diff", diffRun()},
	{"no_recap", noRecapRun()},
}

func checkRun() []event.Event {
	return []event.Event{
		event.RunStarted{RunID: "0f3c9a", Runbook: "trove-upgrade", Check: true, Hosts: []string{"ctl1", "ctl2"}, Tasks: 8, Time: t0},
		event.TaskStarted{Task: "task.trove_conf", Host: "ctl1", Time: t0},
		event.TaskOutput{Task: "task.trove_conf", Host: "ctl1", Stream: "stdout", Line: "reading /etc/trove/trove.conf"},
		event.TaskFinished{Task: "task.trove_conf", Host: "ctl1", Status: event.StatusOK, Duration: 420 * time.Millisecond},
		event.TaskStarted{Task: "task.trove_conf", Host: "ctl2", Time: t0},
		event.TaskFinished{Task: "task.trove_conf", Host: "ctl2", Status: event.StatusWouldChange,
			Reason: "DEFAULT.transport_url", Duration: 380 * time.Millisecond, Notified: []string{"handler.restart_trove"},
			PredictedFrom: []string{"task.conf_dir@ctl2", "task.base_conf@ctl1"}},
		event.TaskStarted{Task: "task.migrate_db", Host: "ctl1", Time: t0},
		event.TaskRetry{Task: "task.migrate_db", Host: "ctl1", Attempt: 1, Of: 3, Reason: "database is locked"},
		event.TaskFinished{Task: "task.migrate_db", Host: "ctl1", Status: event.StatusUnpredictable,
			Reason: "known after apply: depends on task.build_image", Duration: 1234 * time.Millisecond},
		event.TaskFinished{Task: "task.migrate_db", Host: "ctl2", Status: event.StatusSkipped,
			Reason: "run_once: ran on ctl1", Duration: 0},
		event.TaskFinished{Task: "task.upgrade_guests", Key: "db1", Host: "ctl1", Status: event.StatusWouldChange,
			Reason: "rebuild with image (known after apply)", Duration: 2 * time.Second},
		event.TaskFinished{Task: "task.upgrade_guests", Key: "db two", Host: "ctl1", Status: event.StatusOK, Duration: 95 * time.Second},
		event.Warning{Message: "inventory: host ctl3 has no address, skipped"},
		event.RunFinished{RunID: "0f3c9a", Check: true, ExitCode: 2, Duration: 99 * time.Second, Recap: []event.HostRecap{
			{Host: "ctl1", OK: 2, WouldChange: 1, Unpredictable: 1},
			{Host: "ctl2", WouldChange: 1, Skipped: 1},
		}},
	}
}

func applyRun() []event.Event {
	return []event.Event{
		event.RunStarted{RunID: "7d21e0", Runbook: "trove-upgrade", Hosts: []string{"ctl1", "ctl2", "db1", "db2", "db3", "db4", "db5"}, Tasks: 5, Time: t0},
		event.TaskStarted{Task: "task.trove_conf", Host: "ctl1", Time: t0},
		event.TaskFinished{Task: "task.trove_conf", Host: "ctl1", Status: event.StatusChanged,
			Reason: "DEFAULT.transport_url", Duration: 420 * time.Millisecond, Notified: []string{"handler.restart_trove"}},
		event.TaskFinished{Task: "task.migrate_db", Host: "ctl1", Status: event.StatusFailed,
			Reason: "trove-manage db_upgrade exited with status 2", RC: rc(2),
			Stderr:   "Traceback (most recent call last):\n  File \"/usr/bin/trove-manage\", line 10\n\x1b[31moslo_db.exception.DBConnectionError\x1b[0m: (2003, \"Can't connect\")\n",
			Duration: 3500 * time.Millisecond},
		event.TaskFinished{Task: "task.trove_conf", Host: "ctl2", Status: event.StatusUnreachable,
			Reason: "ssh ctl2 (10.0.0.12:22): dial tcp 10.0.0.12:22: connect: connection refused", Duration: 10 * time.Second},
		event.TaskFinished{Task: "task.backup", Key: "db1", Host: "ctl1", Status: event.StatusRescued,
			Reason: "backup failed; rescue restored the snapshot", Duration: 61 * time.Minute},
		event.Interrupted{Signal: "SIGINT"},
		event.Interrupted{Signal: "SIGINT", Second: true},
		event.RunFinished{RunID: "7d21e0", ExitCode: 1, Duration: 62 * time.Minute, Error: "2 task instances failed", Recap: []event.HostRecap{
			{Host: "ctl1", Changed: 1, Failed: 1, Rescued: 1},
			{Host: "ctl2", Unreachable: 1},
		}},
	}
}

func diffRun() []event.Event {
	return []event.Event{
		event.RunStarted{RunID: "d1ff00", Runbook: "trove-upgrade", Hosts: []string{"ctl1"}, Tasks: 1, Time: t0},
		event.TaskFinished{Task: "task.trove_conf", Host: "ctl1", Status: event.StatusChanged, Duration: 250 * time.Millisecond,
			Diff: []event.Diff{
				{Name: "mode", Before: "0644", After: "0600"},
				{Name: "owner", Before: "", After: "trove"},
				{Name: "/etc/trove/trove-guestagent.conf", BeforeAbsent: true},
				{Name: "/etc/trove/api-paste.ini.bak", AfterAbsent: true},
				{Name: "content", Unified: "--- before\n+++ after\n@@ -1,3 +1,3 @@\n [DEFAULT]\n-debug = False\n+debug = True\n transport_url = rabbit://\n"},
				{Name: "units", Before: "apache2\ndevstack@tr-api\n", After: "apache2\ndevstack@tr-api\ndevstack@tr-cond\n"},
				{Name: "admin_password", Before: secretBefore, After: secretAfter, Unified: secretUnified, Sensitive: true},
			}},
		event.RunFinished{RunID: "d1ff00", ExitCode: 0, Duration: time.Second, Recap: []event.HostRecap{{Host: "ctl1", Changed: 1}}},
	}
}

// noRecapRun has no recap in RunFinished: the human view tallies.
func noRecapRun() []event.Event {
	return []event.Event{
		event.RunStarted{Runbook: "local", Time: t0},
		event.TaskFinished{Task: "task.facts", Status: event.StatusOK, Duration: 10 * time.Millisecond},
		event.TaskFinished{Task: "task.facts", Status: event.StatusOK, Duration: 10 * time.Millisecond},
		event.RunFinished{Duration: 30 * time.Millisecond},
	}
}
