package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/journal"
	"github.com/runbook-dev/runbook/engine/ui"
)

func newReportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report [RUN_ID]",
		Short: "Write the HTML report page of a run from its journal (the latest run without RUN_ID)",
		Long: "Write one self-contained HTML page of a run or check: a timeline per host, status colours, tasks by time taken,\n" +
			"failures with the tail of stderr, diffs and the recap. Journals are in $RUNBOOK_STATE_DIR/runs (default\n" +
			"~/.local/state/runbook/runs); `runbook run --report FILE` writes the page when the run ends.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			runs, err := runsDir()
			if err != nil {
				return err
			}
			id := ""
			if len(args) == 1 {
				id = args[0]
			} else if ids := journal.Runs(runs); len(ids) > 0 {
				id = ids[0]
			} else {
				return fmt.Errorf("no runs recorded in %s", runs)
			}
			if out == "" {
				out = id + ".html"
			}
			if err := writeReport(runs, id, out); err != nil {
				return err
			}
			fmt.Fprintln(os.Stdout, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the page to write (default RUN_ID.html; - for standard output)")
	return cmd
}

// writeReport draws the page of run id from its journal in runs into the
// file out (- for standard output).
func writeReport(runs, id, out string) error {
	rec, err := journal.ReadRecord(runs, id)
	if err != nil {
		return err
	}
	in := ui.ReportInput{RunID: rec.RunID, Runbook: rec.Runbook, Check: rec.Check}
	for _, e := range rec.Events {
		in.Events = append(in.Events, ui.Timed{Time: e.Time, Event: e.Event})
	}
	if out == "-" {
		return ui.WriteReport(os.Stdout, in)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := ui.WriteReport(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
