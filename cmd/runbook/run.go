package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/core"
	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/journal"
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
	prep, diags := loaded.Prepare(core.Options{
		Check: f.check, Diff: f.diff, Forks: f.forks, Limit: f.limit, Tags: f.tags, SkipTags: f.skipTags,
		Vars: f.varValues(),
	})
	if diags.HasErrors() {
		view.Diagnostics(diags, diagFiles(loaded, diags))
		return exitCode(exitError)
	}
	if len(diags) > 0 {
		view.Diagnostics(diags, diagFiles(loaded, diags))
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
		Sink: view, Stop: stop,
		Dialers: map[string]transport.Dialer{"local": local.Dialer{}},
	}
	var jw *journal.Writer
	if !f.check {
		// Journals live under .runbook/ of the working directory, or of
		// RUNBOOK_STATE_DIR when it is set.
		cwd := os.Getenv("RUNBOOK_STATE_DIR")
		if cwd == "" {
			var err error
			if cwd, err = os.Getwd(); err != nil {
				return err
			}
		}
		ropts.RunID = core.NewRunID()
		if f.resume != "" {
			j, err := journal.Read(cwd, f.resume)
			if err != nil {
				return err
			}
			ropts.RunID = f.resume
			ropts.Completed = func(task, host string) (cty.Value, bool, bool) {
				e, ok := j.Lookup(task, host)
				return e.Outputs, e.Changed, ok
			}
		}
		var err error
		if jw, err = journal.Open(cwd, ropts.RunID, dir); err != nil {
			return err
		}
		ropts.Journal = jw
	}
	pool := ssh.NewPool(ssh.Options{KeepaliveInterval: f.keepalive})
	defer pool.Close()
	ropts.Dialers["ssh"] = pool
	res := prep.Run(work, ropts)
	if jw != nil {
		if err := jw.Finished(res.ExitCode); err != nil {
			view.Emit(event.Warning{Message: "writing the journal: " + err.Error()})
		}
		if res.ExitCode == exitError || stop.Err() != nil {
			view.Emit(event.Warning{Message: fmt.Sprintf("what completed is in %s; continue with: runbook run --resume %s %s", jw.Path(), res.RunID, dir)})
		}
	}
	return exitCode(res.ExitCode)
}
