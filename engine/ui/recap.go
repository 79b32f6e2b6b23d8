package ui

import (
	"fmt"
	"strings"

	"github.com/runbook-dev/runbook/engine/event"
)

// tally counts the finished instances the renderer saw, per host, in the
// order hosts first appeared. It stands in for RunFinished.Recap when the
// engine sent none.
type tally struct {
	order []string
	hosts map[string]*event.HostRecap
}

func (t *tally) add(host string, st event.Status) {
	if t.hosts == nil {
		t.hosts = make(map[string]*event.HostRecap)
	}
	if host == "" {
		host = "localhost"
	}
	r := t.hosts[host]
	if r == nil {
		r = &event.HostRecap{Host: host}
		t.hosts[host] = r
		t.order = append(t.order, host)
	}
	switch st {
	case event.StatusOK:
		r.OK++
	case event.StatusChanged:
		r.Changed++
	case event.StatusWouldChange:
		r.WouldChange++
	case event.StatusUnpredictable:
		r.Unpredictable++
	case event.StatusFailed:
		r.Failed++
	case event.StatusSkipped:
		r.Skipped++
	case event.StatusUnreachable:
		r.Unreachable++
	case event.StatusRescued:
		r.Rescued++
	case event.StatusIgnored:
		r.Ignored++
	}
}

func (t *tally) recap() []event.HostRecap {
	out := make([]event.HostRecap, 0, len(t.order))
	for _, host := range t.order {
		out = append(out, *t.hosts[host])
	}
	return out
}

// runFinished prints the recap, one line per host like Ansible's PLAY
// RECAP, and a summary line.
func (h *Human) runFinished(e event.RunFinished) {
	h.status.stop()
	recap := e.Recap
	if recap == nil {
		recap = h.tally.recap()
	}
	check := e.Check || h.check

	if len(recap) > 0 {
		h.printf("\n%s\n", h.style.bold("RECAP"))
		width := 0
		for _, r := range recap {
			width = max(width, len(sanitize(r.Host)))
		}
		for _, r := range recap {
			host := sanitize(r.Host)
			h.printf("  %s%s  %s\n", h.style.paint(hostColor(r), host),
				strings.Repeat(" ", width-len(host)), h.recapCounts(r, check))
		}
	}
	if e.Error != "" {
		h.printf("\n%s %s\n", h.style.paint(sgrBoldRed, "Error:"), sanitize(e.Error))
	}
	if check && len(h.unpredictable) > 0 {
		// A drift gate needs to know which tasks keep it from exit 0.
		names := h.unpredictable
		more := ""
		if len(names) > 10 {
			names, more = names[:10], fmt.Sprintf(" and %d more", len(names)-10)
		}
		h.printf("\n%s %s%s\n%s\n", h.style.paint(sgrBlue, "Cannot predict without running:"), sanitize(strings.Join(names, ", ")), more,
			h.style.muted("  Mark tasks that only read with read_only = true (or set read_only_when_unchanged = true in the runbook block for changed_when = false tasks); check --unpredictable=ok|error sets what they mean for the exit code."))
	}
	h.printf("\n%s%s\n", h.summary(recap, check), h.style.muted("  ("+formatDuration(e.Duration)+")"))
}

// recapCounts is "ok=3 changed=1 failed=0 ...", with would_change and
// unpredictable in place of changed for a check. Non-zero counts are
// coloured like their status.
func (h *Human) recapCounts(r event.HostRecap, check bool) string {
	type count struct {
		name string
		n    int
		st   event.Status
	}
	counts := []count{{"ok", r.OK, event.StatusOK}}
	if check {
		counts = append(counts,
			count{"would_change", r.WouldChange, event.StatusWouldChange},
			count{"unpredictable", r.Unpredictable, event.StatusUnpredictable})
	} else {
		counts = append(counts, count{"changed", r.Changed, event.StatusChanged})
	}
	counts = append(counts,
		count{"failed", r.Failed, event.StatusFailed},
		count{"skipped", r.Skipped, event.StatusSkipped},
		count{"unreachable", r.Unreachable, event.StatusUnreachable},
		count{"rescued", r.Rescued, event.StatusRescued},
		count{"ignored", r.Ignored, event.StatusIgnored})
	parts := make([]string, len(counts))
	for i, c := range counts {
		text := fmt.Sprintf("%s=%d", c.name, c.n)
		if c.n > 0 {
			text = h.style.paint(statusColor(c.st), text)
		}
		parts[i] = text
	}
	return strings.Join(parts, " ")
}

// hostColor is red for a host with failures, yellow with changes, green
// otherwise.
func hostColor(r event.HostRecap) string {
	switch {
	case r.Failed > 0 || r.Unreachable > 0:
		return sgrBoldRed
	case r.Changed > 0 || r.WouldChange > 0 || r.Unpredictable > 0:
		return sgrYellow
	}
	return sgrGreen
}

// summary is the last line: "2 changes pending", "3 changed, 1 failed",
// "No changes.".
func (h *Human) summary(recap []event.HostRecap, check bool) string {
	var total event.HostRecap
	for _, r := range recap {
		total.Changed += r.Changed
		total.WouldChange += r.WouldChange
		total.Unpredictable += r.Unpredictable
		total.Failed += r.Failed
		total.Unreachable += r.Unreachable
		total.Rescued += r.Rescued
		total.Ignored += r.Ignored
	}
	var parts []string
	switch {
	case check && total.WouldChange > 0:
		parts = append(parts, h.style.paint(sgrYellow,
			fmt.Sprintf("%d %s pending", total.WouldChange, plural(total.WouldChange, "change", "changes"))))
	case !check && total.Changed > 0:
		parts = append(parts, h.style.paint(sgrYellow, fmt.Sprintf("%d changed", total.Changed)))
	}
	if total.Unpredictable > 0 {
		parts = append(parts, h.style.paint(sgrBlue, fmt.Sprintf("%d unpredictable", total.Unpredictable)))
	}
	if total.Failed > 0 {
		parts = append(parts, h.style.paint(sgrBoldRed, fmt.Sprintf("%d failed", total.Failed)))
	}
	if total.Unreachable > 0 {
		parts = append(parts, h.style.paint(sgrBoldRed, fmt.Sprintf("%d unreachable", total.Unreachable)))
	}
	if total.Rescued > 0 {
		parts = append(parts, h.style.paint(sgrMagenta, fmt.Sprintf("%d rescued", total.Rescued)))
	}
	if total.Ignored > 0 {
		parts = append(parts, h.style.paint(sgrMagenta, fmt.Sprintf("%d %s ignored", total.Ignored, plural(total.Ignored, "error", "errors"))))
	}
	if len(parts) == 0 {
		if check {
			return h.style.paint(sgrGreen, "No changes pending.")
		}
		return h.style.paint(sgrGreen, "No changes.")
	}
	return strings.Join(parts, ", ")
}
