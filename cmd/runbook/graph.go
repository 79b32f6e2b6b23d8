package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/core"
)

func newGraphCmd() *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "graph RUNBOOK",
		Short: "Print the task dependency graph in Graphviz DOT",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loaded, diags := core.Load(core.LoadOptions{Dir: args[0], Inventory: f.inventory, Registry: registry(), Sources: inventorySources(), Context: cmd.Context()})
			if diags.HasErrors() {
				f.view().Diagnostics(diags, diagFiles(loaded, diags))
				return exitCode(exitError)
			}
			g := loaded.TaskGraph()
			return g.WriteDOT(os.Stdout, func(s string) string { return s }, func(s string) string {
				if strings.HasPrefix(s, "handler.") {
					return `style = "dashed"`
				}
				return ""
			})
		},
	}
	f.register(cmd.Flags())
	return cmd
}
