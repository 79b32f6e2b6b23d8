package main

import (
	"os"
	"strings"
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
	extraVars []string
	json      bool
	noColor   bool
}

func (f *commonFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.inventory, "inventory", "i", nil, "inventory file or folder (HCL, Ansible INI or YAML); repeatable")
	fs.StringArrayVar(&f.vars, "var", nil, "set a variable: NAME=VALUE; repeatable")
	fs.StringArrayVar(&f.varFiles, "var-file", nil, "read variables from a file: NAME.vars.hcl, .json, .yaml or .yml; repeatable")
	fs.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "as in Ansible: NAME=VALUE (several, space-separated), @FILE (a var file), or a JSON/YAML object; repeatable")
	fs.BoolVar(&f.json, "json", false, "print JSON lines instead of human output")
	fs.BoolVar(&f.noColor, "no-color", false, "never use colour")
}

// varValues gathers --var-file, --var and -e in the order given on the
// command line: -e @FILE counts as a var file, -e NAME=VALUE and -e '{...}'
// as --var (the highest precedence, as Ansible's extra vars).
func (f *commonFlags) varValues() core.VarValues {
	vv := core.VarValues{Files: append([]string(nil), f.varFiles...), Flags: append([]string(nil), f.vars...), Env: core.EnvVars(os.Environ())}
	for _, e := range f.extraVars {
		e = strings.TrimSpace(e)
		switch {
		case strings.HasPrefix(e, "@"):
			vv.Files = append(vv.Files, strings.TrimPrefix(e, "@"))
		case strings.HasPrefix(e, "{"):
			vv.Documents = append(vv.Documents, core.VarDocument{Name: "-e", Src: []byte(e)})
		default:
			vv.Flags = append(vv.Flags, splitExtraVars(e)...)
		}
	}
	return vv
}

// splitExtraVars reads Ansible's `-e "a=1 b=2"`: several NAME=VALUE pairs
// separated by spaces, each word starting a new pair only when it reads
// NAME=...; a value may hold spaces otherwise (-e "msg=hello world").
func splitExtraVars(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if k, _, ok := strings.Cut(w, "="); ok && isName(k) || len(out) == 0 {
			out = append(out, w)
			continue
		}
		out[len(out)-1] += " " + w
	}
	return out
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '-')) {
			return false
		}
	}
	return true
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
	check       bool
	diff        bool
	forks       int
	limit       []string
	tags        []string
	skipTags    []string
	verbosity   int
	resume      string
	forceUnlock string
	keepalive   time.Duration
	listTasks   bool
	listHosts   bool
	step        bool
	startAt     string
	report      string
	unpred      string
}

func (f *runFlags) register(fs *pflag.FlagSet, isCheck bool) {
	f.commonFlags.register(fs)
	if !isCheck {
		fs.BoolVar(&f.check, "check", false, "only plan: say what would change, change nothing (same as runbook check)")
		fs.StringVar(&f.resume, "resume", "", "continue the run with this id from its journal, skipping what completed")
		fs.StringVar(&f.forceUnlock, "force-unlock", "", "remove the lock the run with this id holds on the runbook (only when that run is gone), then run")
		fs.BoolVar(&f.step, "step", false, "ask before each task: (y)es, (n)o, (c)ontinue without asking")
		fs.StringVar(&f.report, "report", "", "write the run's HTML report page to this file when it ends")
	}
	fs.StringVar(&f.unpred, "unpredictable", "pending", "in a check, what tasks that cannot be predicted mean for the exit code: pending (exit 2), ok (ignored), error (exit 1)")
	fs.BoolVar(&f.diff, "diff", false, "show what changes, before and after")
	fs.IntVar(&f.forks, "forks", 50, "how many task instances run at once")
	fs.StringSliceVarP(&f.limit, "limit", "l", nil, "only these hosts or groups (patterns as in Ansible)")
	fs.StringSliceVarP(&f.tags, "tags", "t", nil, "only tasks with one of these tags (and the tasks they read from)")
	fs.StringSliceVar(&f.skipTags, "skip-tags", nil, "skip tasks with one of these tags")
	fs.StringVar(&f.startAt, "start-at-task", "", "start at this task (NAME or task.NAME): tasks declared before it do not run")
	fs.CountVarP(&f.verbosity, "verbose", "v", "more output: -v task output lines, -vv also tasks as they start and where they are declared, -vvv also connections and every command run on a host")
	fs.BoolVar(&f.listTasks, "list-tasks", false, "list the tasks that would run (after --tags, --limit, --start-at-task) and exit")
	fs.BoolVar(&f.listHosts, "list-hosts", false, "list the hosts the run would touch (after --limit) and exit")
	fs.DurationVar(&f.keepalive, "ssh-keepalive", 10*time.Second, "SSH keepalive interval; a host silent for two intervals is unreachable")
}

func (f *runFlags) view() ui.View {
	if f.json {
		return ui.NewJSON(os.Stdout)
	}
	opts := ui.Options{Verbosity: f.verbosity}
	if f.noColor {
		opts.Color = ui.ColorNever
	}
	return ui.NewHuman(os.Stdout, opts)
}
