package main

import (
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/runbook-dev/runbook/engine/core"
	"github.com/runbook-dev/runbook/engine/ui"
)

// commonFlags are shared by the commands that load a runbook.
type commonFlags struct {
	inventory []string
	vars      []string
	varFiles  []string
	json      bool
	noColor   bool
}

func (f *commonFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.inventory, "inventory", "i", nil, "inventory file or folder (HCL, Ansible INI or YAML); repeatable")
	fs.StringArrayVar(&f.vars, "var", nil, "set a variable: NAME=VALUE; repeatable")
	fs.StringArrayVar(&f.varFiles, "var-file", nil, "read variables from an HCL file; repeatable")
	fs.BoolVar(&f.json, "json", false, "print JSON lines instead of human output")
	fs.BoolVar(&f.noColor, "no-color", false, "never use colour")
}

func (f *commonFlags) varValues() core.VarValues {
	return core.VarValues{Files: f.varFiles, Flags: f.vars, Env: core.EnvVars(os.Environ())}
}

func (f *commonFlags) view() ui.View {
	if f.json {
		return ui.NewJSON(os.Stdout)
	}
	opts := ui.Options{}
	if f.noColor {
		opts.Color = ui.ColorNever
	}
	return ui.NewHuman(os.Stdout, opts)
}

// runFlags are the flags of run and check.
type runFlags struct {
	commonFlags
	check     bool
	diff      bool
	forks     int
	limit     []string
	tags      []string
	skipTags  []string
	verbose   bool
	resume    string
	keepalive time.Duration
}

func (f *runFlags) register(fs *pflag.FlagSet, isCheck bool) {
	f.commonFlags.register(fs)
	if !isCheck {
		fs.BoolVar(&f.check, "check", false, "only plan: say what would change, change nothing (same as `runbook check`)")
		fs.StringVar(&f.resume, "resume", "", "continue the run with this id from its journal, skipping what completed")
	}
	fs.BoolVar(&f.diff, "diff", false, "show what changes, before and after")
	fs.IntVar(&f.forks, "forks", 50, "how many task instances run at once")
	fs.StringSliceVar(&f.limit, "limit", nil, "only these hosts or groups (patterns as in Ansible)")
	fs.StringSliceVar(&f.tags, "tags", nil, "only tasks with one of these tags")
	fs.StringSliceVar(&f.skipTags, "skip-tags", nil, "skip tasks with one of these tags")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "print every line of task output")
	fs.DurationVar(&f.keepalive, "ssh-keepalive", 10*time.Second, "SSH keepalive interval; a host silent for two intervals is unreachable")
}

func (f *runFlags) view() ui.View {
	if f.json {
		return ui.NewJSON(os.Stdout)
	}
	opts := ui.Options{Verbose: f.verbose}
	if f.noColor {
		opts.Color = ui.ColorNever
	}
	return ui.NewHuman(os.Stdout, opts)
}
