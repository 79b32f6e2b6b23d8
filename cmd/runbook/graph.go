package main

import (
	"encoding/json"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/core"
)

func newGraphCmd() *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "graph RUNBOOK",
		Short: "Print the task dependency graph in Graphviz DOT (--json: nodes and edges)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loaded, diags := core.Load(core.LoadOptions{Dir: args[0], Inventory: f.inventory, Registry: registry(), Sources: inventorySources(), Context: cmd.Context()})
			if diags.HasErrors() {
				f.view().Diagnostics(diags, diagFiles(loaded, diags))
				return exitCode(exitError)
			}
			g := loaded.TaskGraph()
			if f.json {
				type edge struct {
					From string `json:"from"`
					To   string `json:"to"`
				}
				out := struct {
					Nodes []string `json:"nodes"`
					Edges []edge   `json:"edges"`
				}{Nodes: g.Vertices(), Edges: []edge{}}
				sort.Strings(out.Nodes)
				for _, v := range out.Nodes {
					deps := g.Dependents(v)
					sort.Strings(deps)
					for _, w := range deps {
						out.Edges = append(out.Edges, edge{From: v, To: w})
					}
				}
				return json.NewEncoder(os.Stdout).Encode(out)
			}
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
