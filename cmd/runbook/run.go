package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/core"
	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/journal"
	"github.com/runbook-dev/runbook/engine/runlock"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/engine/transport/ssh"
)

func newRunCmd(isCheck bool) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run RUNBOOK",
		Short: "Plan every task and apply what needs changing",
		Long: "Plan every task instance and apply only where the plan says something changes, so a second run changes nothing.\n" +
			"Exit codes: 0 nothing changed, 1 error, 2 changes made.",
		Args: cobra.ExactArgs(1),
	}
	if isCheck {
		cmd.Use = "check RUNBOOK"
		cmd.Short = "Say what a run would change, per task and host, and change nothing"
		cmd.Long = "Plan every task instance and stop there: ok, would change, or cannot predict, per task and host.\n" +
			"Exit codes: 0 nothing would change, 1 error, 2 changes pending."
	}
	f.register(cmd.Flags(), isCheck)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if isCheck {
			f.check = true
		}
		return runRunbook(cmd.Context(), args[0], f)
	}
	return cmd
}

func runRunbook(parent context.Context, dir string, f *runFlags) error {
	if parent == nil {
		parent = context.Background()
	}
	view := f.view()
	reg := registry()
	loaded, diags := core.Load(core.LoadOptions{Dir: dir, Inventory: f.inventory, Registry: reg, Sources: inventorySources(), Context: parent})
	if diags.HasErrors() {
		view.Diagnostics(diags, diagFiles(loaded, diags))
		return exitCode(exitError)
	}
	switch core.Unpredictable(f.unpred) {
	case core.UnpredictablePending, core.UnpredictableOK, core.UnpredictableError:
	default:
		return fmt.Errorf("--unpredictable %q: pending, ok or error", f.unpred)
	}
	if f.forks < 1 {
		return fmt.Errorf("--forks is how many task instances run at once: 1 or more, not %d", f.forks)
	}
	if f.resume != "" && f.check {
		return fmt.Errorf("--resume continues a run; a check has nothing to resume")
	}
	warnings := diags
	prep, diags := loaded.Prepare(core.Options{
		Check: f.check, Diff: f.diff, Forks: f.forks, Limit: f.limit, Tags: f.tags, SkipTags: f.skipTags,
		StartAt: f.startAt, Vars: f.varValues(), Unpredictable: core.Unpredictable(f.unpred),
	})
	diags = append(warnings, diags...)
	if diags.HasErrors() {
		view.Diagnostics(diags, diagFiles(loaded, diags))
		return exitCode(exitError)
	}
	if len(diags) > 0 {
		view.Diagnostics(diags, diagFiles(loaded, diags))
	}
	if f.listTasks || f.listHosts {
		return listPlan(os.Stdout, prep, f)
	}

	// A first signal stops new work; a second cancels running work.
	work, cancelWork := context.WithCancel(parent)
	defer cancelWork()
	stop, stopStarting := context.WithCancel(work)
	defer stopStarting()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		first := true
		for s := range sigs {
			view.Emit(event.Interrupted{Signal: s.String(), Second: !first})
			if first {
				stopStarting()
				first = false
				continue
			}
			cancelWork()
		}
	}()

	ropts := core.RunOptions{
		Sink: view, Stop: stop, RunID: core.NewRunID(), Trace: f.verbosity >= 3,
		Dialers: map[string]transport.Dialer{"local": local.Dialer{}},
	}
	if f.step {
		ropts.Step = stepPrompt(os.Stdin, os.Stderr)
	}
	runs, err := runsDir()
	if err != nil {
		return err
	}
	who := journal.Identity{Runbook: dir, InventoryHash: prep.HostsHash()}
	if who.RunbookPath, who.RunbookHash, err = loaded.RunbookIdentity(); err != nil {
		return err
	}
	if f.resume != "" {
		j, err := journal.Read(runs, f.resume)
		if err != nil {
			return err
		}
		if j.Check {
			return fmt.Errorf("run %s was a check: there is nothing to resume", f.resume)
		}
		if err := j.Belongs(who); err != nil {
			return fmt.Errorf("not resuming: %w", err)
		}
		ropts.RunID = f.resume
		ropts.Completed = func(task, host string) (cty.Value, bool, bool) {
			e, ok := j.Lookup(task, host)
			return e.Outputs, e.Changed, ok
		}
	}
	// Every run and check leaves a journal (a check's has only events),
	// from which `runbook report` draws a page.
	open := journal.Open
	if f.check {
		open = journal.OpenCheck
	}
	if !f.check {
		// A run (not a check) holds the runbook's lock on its hosts.
		lock, err := takeLock(view, filepath.Join(filepath.Dir(runs), "locks"), who.RunbookPath, ropts.RunID, prep.Hosts(), f.forceUnlock)
		if err != nil {
			return err
		}
		defer func() {
			if err := lock.Release(); err != nil {
				view.Emit(event.Warning{Message: "releasing the run lock: " + err.Error()})
			}
		}()
	}
	jw, err := open(runs, ropts.RunID, who)
	if err != nil {
		return err
	}
	if !f.check {
		ropts.Journal = jw
	}
	ropts.Sink = event.Multi(view, jw.Events())
	if err := journal.Prune(runs, keepRuns()); err != nil {
		view.Emit(event.Warning{Message: "pruning old journals: " + err.Error()})
	}
	pool := ssh.NewPool(ssh.Options{KeepaliveInterval: f.keepalive})
	defer pool.Close()
	ropts.Dialers["ssh"] = pool
	res := prep.Run(work, ropts)
	if os.Getenv("RUNBOOK_SSH_STATS") != "" {
		writeSSHStats(os.Stderr, pool.StatsByHost())
	}
	if err := jw.Finished(res.ExitCode); err != nil {
		view.Emit(event.Warning{Message: "writing the journal: " + err.Error()})
	}
	if f.report != "" {
		if err := writeReport(runs, res.RunID, f.report); err != nil {
			view.Emit(event.Warning{Message: "writing the report: " + err.Error()})
		}
	}
	if !f.check && (res.ExitCode == exitError || stop.Err() != nil) {
		view.Emit(event.Warning{Message: fmt.Sprintf("what completed is in %s; continue with: runbook run --resume %s %s", jw.Path(), res.RunID, dir)})
	}
	return exitCode(res.ExitCode)
}

// takeLock takes the runbook's run lock for hosts, first removing the lock
// of run forceUnlock when asked; stale locks taken over are warned about.
func takeLock(view event.Sink, dir, runbook, runID string, hosts []string, forceUnlock string) (*runlock.Lock, error) {
	if forceUnlock != "" {
		h, err := runlock.ForceUnlock(dir, runbook, forceUnlock)
		if err != nil {
			return nil, err
		}
		view.Emit(event.Warning{Message: "removed the lock of " + h.String() + " (--force-unlock)"})
	}
	lock, stale, err := runlock.Acquire(dir, runbook, runID, hosts)
	for _, h := range stale {
		view.Emit(event.Warning{Message: "took over the lock of " + h.String() + ": its process is gone"})
	}
	return lock, err
}

// runsDir is the folder of run journals: $RUNBOOK_STATE_DIR/runs, else
// $XDG_STATE_HOME/runbook/runs, else ~/.local/state/runbook/runs.
func runsDir() (string, error) {
	if d := os.Getenv("RUNBOOK_STATE_DIR"); d != "" {
		return filepath.Join(d, "runs"), nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "runbook", "runs"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no folder for run journals: set RUNBOOK_STATE_DIR (%w)", err)
	}
	return filepath.Join(home, ".local", "state", "runbook", "runs"), nil
}

// keepRuns is how many journals are kept: RUNBOOK_KEEP_RUNS, default 100
// (0 keeps all).
func keepRuns() int {
	if v := os.Getenv("RUNBOOK_KEEP_RUNS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return n
		}
	}
	return 100
}

// stepPrompt asks before each task, as ansible-playbook --step does.
// Anything but y, yes, c or continue (and the end of input) is no.
func stepPrompt(in io.Reader, out io.Writer) func(string) core.StepAnswer {
	r := bufio.NewReader(in)
	return func(task string) core.StepAnswer {
		fmt.Fprintf(out, "Perform task %s? (N)o/(y)es/(c)ontinue: ", task)
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(out)
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return core.StepYes
		case "c", "continue":
			return core.StepContinue
		}
		return core.StepNo
	}
}

// listPlan prints --list-tasks and --list-hosts, as ansible-playbook does,
// and runs nothing.
func listPlan(w io.Writer, prep *core.Prepared, f *runFlags) error {
	plan := prep.Plan()
	if f.json {
		out := map[string]any{}
		if f.listHosts {
			out["hosts"] = prep.Hosts()
		}
		if f.listTasks {
			out["tasks"] = plan
		}
		return json.NewEncoder(w).Encode(out)
	}
	if f.listHosts {
		hosts := prep.Hosts()
		fmt.Fprintf(w, "hosts (%d):\n", len(hosts))
		for _, h := range hosts {
			fmt.Fprintf(w, "  %s\n", h)
		}
	}
	if f.listTasks {
		fmt.Fprintln(w, "tasks:")
		for _, t := range plan {
			if !t.Selected && !t.Pulled || len(t.Hosts) == 0 {
				continue
			}
			line := "  " + t.Task
			if t.Pulled {
				line += "  (read for the selection)"
			}
			if len(t.Tags) > 0 {
				line += "  TAGS: [" + strings.Join(t.Tags, ", ") + "]"
			}
			line += "  on " + strings.Join(t.Hosts, ", ")
			fmt.Fprintf(w, "%s  (%s)\n", line, t.Declared)
		}
	}
	return nil
}

// writeSSHStats prints what went over each host's SSH connection
// (RUNBOOK_SSH_STATS=1: sessions, commands, SFTP requests, the round trips
// waited for), one line per host in name order, for finding what makes a
// run slow on a far network (docs/performance.md).
func writeSSHStats(w io.Writer, stats map[string]ssh.Stats) {
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := stats[n]
		fmt.Fprintf(w, "ssh %s: %d round trips, %d commands, %d sessions, %d SFTP requests, %d missed\n",
			n, s.RoundTrips, s.Commands, s.Sessions, s.SFTP, s.Missed)
	}
}
