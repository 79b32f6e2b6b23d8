package ui

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/runbook-dev/runbook/engine/event"
)

// sensitiveText replaces every value of a sensitive diff item.
const sensitiveText = "(sensitive)"

// renderDiff renders --diff items, one per line or block, each line
// starting with indent:
//
//	~ mode: 0644 -> 0600
//	+ path: /etc/trove/trove.conf
//	- path: /etc/trove/old.conf
//	~ content:
//	    --- before
//	    +++ after
//	    @@ -1,2 +1,2 @@
//	    ...
//	~ password: (sensitive)
//
// A multi-line value without a unified diff gets one computed here. A
// Sensitive item never shows its values, whatever they hold.
func renderDiff(items []event.Diff, st styler, indent string) string {
	var b strings.Builder
	for _, d := range items {
		name := sanitize(d.Name)
		if name == "" {
			name = "(value)"
		}
		sign, color := "~", sgrYellow
		switch {
		case d.BeforeAbsent && !d.AfterAbsent:
			sign, color = "+", sgrGreen
		case d.AfterAbsent && !d.BeforeAbsent:
			sign, color = "-", sgrRed
		}
		head := indent + st.paint(color, sign) + " " + name

		if d.Sensitive {
			b.WriteString(head + ": " + st.muted(sensitiveText) + "\n")
			continue
		}
		unified := d.Unified
		multiline := strings.Contains(d.Before, "\n") || strings.Contains(d.After, "\n")
		if unified == "" && multiline {
			unified = unifiedDiff(d)
		}
		if unified != "" {
			b.WriteString(head + ":\n")
			for _, line := range strings.Split(strings.TrimRight(unified, "\n"), "\n") {
				b.WriteString(indent + "    " + paintDiffLine(st, sanitize(strings.TrimSuffix(line, "\r"))) + "\n")
			}
			continue
		}
		switch sign {
		case "+":
			b.WriteString(head + valueSuffix(d.After) + "\n")
		case "-":
			b.WriteString(head + valueSuffix(d.Before) + "\n")
		default:
			b.WriteString(head + ": " + showValue(d.Before) + " -> " + showValue(d.After) + "\n")
		}
	}
	return b.String()
}

// valueSuffix is ": value" for a created or removed item, or nothing when
// the value is empty (a created file, say).
func valueSuffix(v string) string {
	if v == "" {
		return ""
	}
	return ": " + showValue(v)
}

// showValue prints a one-line value; empty and space-edged values are
// quoted so they can be seen.
func showValue(v string) string {
	if v == "" || strings.TrimSpace(v) != v {
		return quote(v)
	}
	return sanitize(v)
}

// paintDiffLine colours one line of a unified diff.
func paintDiffLine(st styler, line string) string {
	switch {
	case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		return st.bold(line)
	case strings.HasPrefix(line, "@@"):
		return st.paint(sgrCyan, line)
	case strings.HasPrefix(line, "+"):
		return st.paint(sgrGreen, line)
	case strings.HasPrefix(line, "-"):
		return st.paint(sgrRed, line)
	}
	return line
}

// unifiedDiff computes a unified diff of a multi-line item.
func unifiedDiff(d event.Diff) string {
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        splitLines(d.Before),
		B:        splitLines(d.After),
		FromFile: "before",
		ToFile:   "after",
		Context:  3,
	})
	if err != nil || text == "" {
		return ""
	}
	return text
}

// splitLines splits s into lines that each end in a newline; the empty
// string has no lines.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n"
	return lines
}
