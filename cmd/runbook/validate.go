package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/runbook-dev/runbook/engine/core"
)

func newValidateCmd() *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "validate RUNBOOK",
		Short: "Check a runbook (and inventory, with -i) without touching any host",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			view := f.view()
			loaded, diags := core.Load(core.LoadOptions{Dir: args[0], Inventory: f.inventory, Registry: registry(), Sources: inventorySources(), Context: cmd.Context()})
			if !diags.HasErrors() {
				var d hcl.Diagnostics
				if len(f.inventory) > 0 {
					_, d = loaded.Prepare(core.Options{Vars: f.varValues(), Check: true})
				} else {
					// Without an inventory the hosts cannot be selected yet.
					d = loaded.CheckValues(core.Options{Vars: f.varValues(), Check: true})
				}
				diags = append(diags, onlyStatic(d)...)
			}
			if len(diags) > 0 {
				view.Diagnostics(diags, diagFiles(loaded, diags))
			}
			if f.json {
				// One closing object, as terraform validate -json has.
				errs, warns := 0, 0
				for _, d := range diags {
					if d.Severity == hcl.DiagError {
						errs++
					} else {
						warns++
					}
				}
				_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
					"type": "validated", "valid": errs == 0, "error_count": errs, "warning_count": warns,
				})
			}
			if diags.HasErrors() {
				return exitCode(exitError)
			}
			if !f.json {
				fmt.Fprintln(os.Stdout, "The runbook is valid.")
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// onlyStatic drops "no value for required variable" errors: validate
// checks a runbook that may get its values only at run time.
func onlyStatic(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if len(d.Summary) > 30 && d.Summary[:30] == "No value for required variable" {
			continue
		}
		out = append(out, d)
	}
	return out
}

// diagFiles returns parsed files for every file a diagnostic names, for
// source snippets: the runbook's own, and the others (inventories, var
// files) parsed again from disk.
func diagFiles(l *core.Loaded, diags hcl.Diagnostics) map[string]*hcl.File {
	files := map[string]*hcl.File{}
	if l != nil {
		for k, v := range l.Files {
			files[k] = v
		}
	}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename == "" {
			continue
		}
		if _, ok := files[d.Subject.Filename]; ok {
			continue
		}
		src, err := os.ReadFile(d.Subject.Filename)
		if err != nil {
			continue
		}
		files[d.Subject.Filename] = &hcl.File{Bytes: src}
	}
	return files
}
