// Command runbook loads, checks and runs runbooks: folders of HCL that run
// modules against the hosts of an inventory and against OpenStack clouds.
//
// This package holds main and flags only: it assembles the module registry,
// picks the renderer, turns results into exit codes, and leaves every
// decision about the runbook to engine/.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes follow terraform plan -detailed-exitcode.
const (
	exitOK      = 0 // nothing changed, or nothing would change
	exitError   = 1 // an error in the runbook, or a task failed
	exitChanges = 2 // changes made (run) or pending (check)
)

// exitError carries an exit code up to main without printing again.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func main() {
	os.Exit(profiled(runMain))
}

// profiled runs f under the profiles the environment asks for, for
// measuring the engine (see docs/performance.md): RUNBOOK_CPUPROFILE=FILE
// a CPU profile of the whole command, RUNBOOK_MEMPROFILE=FILE its
// allocations (pprof's alloc_space and alloc_objects, sampled).
func profiled(f func() int) int {
	if p := os.Getenv("RUNBOOK_CPUPROFILE"); p != "" {
		if out, err := os.Create(p); err == nil && pprof.StartCPUProfile(out) == nil {
			defer func() {
				pprof.StopCPUProfile()
				_ = out.Close()
			}()
		}
	}
	if p := os.Getenv("RUNBOOK_MEMPROFILE"); p != "" {
		defer func() {
			if out, err := os.Create(p); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(out, 0)
				_ = out.Close()
			}
		}()
	}
	return f()
}

func runMain() int {
	root := newRoot()
	root.SetArgs(terraformStyleFlags(root, os.Args[1:]))
	err := root.Execute()
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintln(os.Stderr, "Error:", err)
		return exitError
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "runbook",
		Short:         "Declarative runbooks for operators: validate, check, then run",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("runbook {{.Version}}\n")
	root.AddCommand(
		newRunCmd(false), newRunCmd(true), newValidateCmd(), newFmtCmd(),
		newGraphCmd(), newInventoryCmd(), newModulesCmd(), newReportCmd(),
	)
	return root
}

// terraformStyleFlags accepts Terraform's single-dash long flags
// (`runbook fmt -check`) by rewriting them to the double-dash form. Only
// names that are long flags of the command are rewritten, so that
// Ansible's clusters of short flags (-vv, -vvv) keep their meaning.
func terraformStyleFlags(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		cmd = root
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && len(name) > 1 && isLongFlag(cmd, name) {
			out[i] = "-" + a
		}
	}
	return out
}

func isLongFlag(cmd *cobra.Command, name string) bool {
	return cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil || (cmd.Root() == cmd && name == "version")
}

// version is the module version and VCS commit the binary was built from,
// as Go records them (go version -m).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	out := v
	if rev != "" {
		out += " commit " + rev
		if modified {
			out += " (modified)"
		}
		if when != "" {
			out += " of " + when
		}
	}
	return out + ", " + info.GoVersion
}
