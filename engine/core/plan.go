package core

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/internal/didyoumean"
)

// Plan lists every task and then every handler in the order they are
// declared (files by name, blocks in place), with the hosts each has
// instances on and whether the selection (--tags, --skip-tags,
// --start-at-task) kept it. It is what --list-tasks and --list-hosts
// print and what RunStarted carries.
func (p *Prepared) Plan() []event.PlannedTask {
	rb := p.l.Runbook
	all := append(append([]*config.Task(nil), rb.Tasks...), rb.Handlers...)
	out := make([]event.PlannedTask, 0, len(all))
	for _, t := range all {
		ns := p.nodes[t.Addr()]
		pt := event.PlannedTask{
			Task: t.Addr(), Hosts: make([]string, 0, len(ns)), Tags: t.Tags, Selected: true,
			Declared: fmt.Sprintf("%s:%d", t.DeclRange.Filename, t.DeclRange.Start.Line),
			ForEach:  t.ForEach != nil,
		}
		for _, n := range ns {
			pt.Hosts = append(pt.Hosts, n.host.Name)
			if n.filtered {
				pt.Selected = false
			}
			pt.Pulled = pt.Pulled || n.pulled
		}
		out = append(out, pt)
	}
	return out
}

// pullReads marks the instances that the selection (--tags, --skip-tags,
// --start-at-task) leaves out but a selected instance reads from,
// directly or through other such instances, as Terraform's -target pulls
// in what a target refers to. depends_on alone pulls nothing in: it
// orders, it does not read.
func (b *graphBuilder) pullReads() {
	var queue []*node
	for _, ns := range b.nodes {
		for _, n := range ns {
			if !n.filtered {
				queue = append(queue, n)
			}
		}
	}
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, d := range b.g.DependsOn(n) {
			if d.barrier != nil || !d.filtered || d.pulled {
				continue
			}
			if kind, ok := n.info.deps[d.task.Addr()]; !ok || kind.dependsOn {
				continue
			}
			d.pulled = true
			queue = append(queue, d)
		}
	}
}

// checkSelection reports --tags, --skip-tags and --start-at-task values
// that name nothing in the runbook: a mistyped tag would otherwise run
// nothing and say "No changes.".
func checkSelection(rb *config.Runbook, opts Options) hcl.Diagnostics {
	var diags hcl.Diagnostics
	known := map[string]bool{"always": true}
	for _, t := range rb.Tasks {
		for _, tag := range t.Tags {
			known[tag] = true
		}
	}
	tags := make([]string, 0, len(known))
	for tag := range known {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	for flag, list := range map[string][]string{"--tags": opts.Tags, "--skip-tags": opts.SkipTags} {
		for _, tag := range list {
			if known[tag] {
				continue
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown tag %q", tag),
				Detail: fmt.Sprintf("%s %s: no task of the runbook has this tag.%s The tags are: %s.",
					flag, tag, didyoumean.Sentence(tag, tags), strings.Join(tags, ", ")),
			})
		}
	}
	if opts.StartAt != "" {
		if _, d := startAtIndex(rb, opts.StartAt); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

// startAtIndex is the position in rb.Tasks of the task --start-at-task
// names (NAME or task.NAME).
func startAtIndex(rb *config.Runbook, name string) (int, *hcl.Diagnostic) {
	name = strings.TrimPrefix(name, "task.")
	names := make([]string, 0, len(rb.Tasks))
	for i, t := range rb.Tasks {
		if t.Name == name {
			return i, nil
		}
		names = append(names, t.Name)
	}
	return -1, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: fmt.Sprintf("No task %q", name),
		Detail: fmt.Sprintf("--start-at-task %s: the runbook has no such task.%s", name, didyoumean.Sentence(name, names)),
	}
}

// StepAnswer is an operator's answer at a --step prompt.
type StepAnswer int

const (
	StepYes      StepAnswer = iota // run this task
	StepNo                         // skip this task (on every host)
	StepContinue                   // run this task and every later one without asking
)

// stepper asks the --step question once per task, one question at a
// time, and remembers the answers.
type stepper struct {
	ask     func(task string) StepAnswer
	mu      sync.Mutex
	answers map[string]bool
	all     bool
}

// run says whether task may run, asking the first time.
func (s *stepper) run(task string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all {
		return true
	}
	if ok, asked := s.answers[task]; asked {
		return ok
	}
	a := s.ask(task)
	if a == StepContinue {
		s.all = true
	}
	ok := a != StepNo
	s.answers[task] = ok
	return ok
}
