package core

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbook-dev/runbook/engine/config"
)

// checkCycles reports every cycle of the instance graph. The reference
// graph of tasks has none (analysis checked it), but the instance graph
// adds edges of its own: a serial barrier, an any_errors_fatal join, a
// reference through task.x.hosts, the order of a block, a notify. A
// cycle among them would leave its instances (and all after them) never
// started, so it is an error before the run, naming each instance and
// what made each edge.
func (b *graphBuilder) checkCycles() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, cyc := range b.g.Cycles() {
		// cyc runs along the edges, from a dependency to its dependent:
		// read it backwards, as "X waits for Y".
		var lines []string
		var subject *hcl.Range
		for i := len(cyc) - 1; i > 0; i-- {
			n, dep := cyc[i], cyc[i-1]
			why, rng := b.explainEdge(dep, n)
			line := fmt.Sprintf("  %s waits for %s: %s", nodeName(n), nodeName(dep), why)
			if rng != nil {
				line += fmt.Sprintf(" (%s:%d:%d)", rng.Filename, rng.Start.Line, rng.Start.Column)
				if subject == nil {
					subject = rng
				}
			}
			lines = append(lines, line)
		}
		if subject == nil {
			for _, n := range cyc {
				if n.task != nil {
					r := n.task.NameRange
					subject = &r
					break
				}
			}
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Dependency cycle between task instances",
			Detail: "These task instances wait for each other in a circle, so none of them could start:\n" +
				strings.Join(lines, "\n") +
				"\n\nBreak the circle: drop one of these references, or the runbook serial or any_errors_fatal that orders them.",
			Subject: subject,
		})
	}
	return diags
}

// nodeName names a node in messages: "task.a on h1", "serial batch 2",
// "the any_errors_fatal join of task.a".
func nodeName(n *node) string {
	if n.barrier != nil {
		if n.barrier.join != "" {
			if n.barrier.batch >= 0 {
				return fmt.Sprintf("the any_errors_fatal join of %s (serial batch %d)", n.barrier.join, n.barrier.batch+1)
			}
			return "the any_errors_fatal join of " + n.barrier.join
		}
		return fmt.Sprintf("serial batch %d (%s)", n.barrier.batch+1, strings.Join(n.barrier.hosts, ", "))
	}
	return n.task.Addr() + " on " + n.host.Name
}

// explainEdge says what made n wait for dep, and where it is written when
// it is written somewhere.
func (b *graphBuilder) explainEdge(dep, n *node) (string, *hcl.Range) {
	switch {
	case n.barrier != nil && n.barrier.join != "":
		return "any_errors_fatal: the join waits for every instance of " + n.barrier.join, nil
	case n.barrier != nil:
		return "runbook serial: a batch ends when every instance on its hosts has finished", exprRange(b.a.rb.Serial)
	case dep.barrier != nil && dep.barrier.join != "":
		return fmt.Sprintf("%s has any_errors_fatal, so nothing after it starts before it has finished on every host", dep.barrier.join), nil
	case dep.barrier != nil:
		return fmt.Sprintf("runbook serial: serial batch %d starts after batch %d", dep.barrier.batch+2, dep.barrier.batch+1), exprRange(b.a.rb.Serial)
	}
	t, d := n.task, dep.task
	if k, ok := n.info.deps[d.Addr()]; ok {
		rng := k.rng
		switch {
		case k.allHosts:
			return "it refers to " + d.Addr() + ".hosts (every instance)", &rng
		case k.dependsOn:
			return "depends_on " + d.Addr(), &rng
		}
		return "it refers to " + d.Addr(), &rng
	}
	if t == d {
		var rng *hcl.Range
		if t.Serial != nil {
			r := t.Serial.Range()
			rng = &r
		}
		return "the task's serial: a batch starts after the one before it", rng
	}
	if t.Block != nil && d.Block == t.Block && t.Section != config.SectionMain {
		return fmt.Sprintf("the %s tasks of %s wait for the tasks before them", t.Section, t.Block.Label()), nil
	}
	for _, m := range n.notifier {
		if m == dep {
			for _, tr := range d.Notify {
				if isAttr(tr[len(tr)-1], t.Name) {
					r := tr.SourceRange()
					return "it notifies " + t.Addr(), &r
				}
			}
			return "it notifies " + t.Addr(), nil
		}
	}
	if d.Block != nil {
		for addr, k := range n.info.deps {
			if other := b.taskOf(addr); other != nil && other.Block == d.Block {
				rng := k.rng
				return fmt.Sprintf("it refers to %s, in %s, so it waits for the whole block", addr, d.Block.Label()), &rng
			}
		}
	}
	return "ordering", nil
}

// exprRange is where expr is written; nil when it is not set.
func exprRange(expr hcl.Expression) *hcl.Range {
	if expr == nil {
		return nil
	}
	r := expr.Range()
	return &r
}
