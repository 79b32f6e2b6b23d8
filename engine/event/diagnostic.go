package event

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

// maxSnippetLines caps the source kept for one diagnostic. The context
// range (a whole block, say) is kept only when it fits.
const maxSnippetLines = 8

// NewDiagnostics converts diags to their event form.
func NewDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) []Diagnostic {
	out := make([]Diagnostic, 0, len(diags))
	for _, d := range diags {
		if d != nil {
			out = append(out, NewDiagnostic(d, files))
		}
	}
	return out
}

// NoSnippet, as a diagnostic's Extra, keeps its source lines out of
// every view (they may hold a secret, as a var file's lines do): the
// position is kept, the snippet left out.
type NoSnippet struct{}

// NewDiagnostic converts one hcl diagnostic to a Diagnostic, taking the
// snippet and the enclosing block's name from files (file name -> parsed
// file; a file missing there gives no snippet).
func NewDiagnostic(d *hcl.Diagnostic, files map[string]*hcl.File) Diagnostic {
	ev := Diagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
	if d.Severity == hcl.DiagWarning {
		ev.Severity = "warning"
	}
	if d.Subject == nil {
		return ev
	}
	subj := *d.Subject
	ev.Filename = subj.Filename
	ev.Line, ev.Column = subj.Start.Line, subj.Start.Column
	ev.EndLine, ev.EndColumn = subj.End.Line, subj.End.Column
	if ev.EndLine < ev.Line || (ev.EndLine == ev.Line && ev.EndColumn <= ev.Column) { // empty
		ev.EndLine, ev.EndColumn = ev.Line, ev.Column+1
	}
	if _, hide := d.Extra.(NoSnippet); hide {
		return ev
	}
	file := files[subj.Filename]
	if file == nil || file.Bytes == nil {
		return ev
	}
	ev.Context = hcled.ContextString(file, subj.Start.Byte)

	first, last := subj.Start.Line, lastLine(subj)
	if d.Context != nil {
		over := hcl.RangeOver(subj, *d.Context)
		if lastLine(over)-over.Start.Line < maxSnippetLines {
			first, last = over.Start.Line, lastLine(over)
		}
	}
	last = min(last, first+maxSnippetLines-1)
	lines := strings.Split(string(file.Bytes), "\n")
	if first < 1 || first > len(lines) {
		return ev
	}
	last = min(last, len(lines))
	for i := first - 1; i < last; i++ {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	ev.SnippetLine = first
	ev.Snippet = strings.Join(lines[first-1:last], "\n")
	return ev
}

// lastLine is the last line a range covers: a range ending at column 1
// stops at the line before.
func lastLine(r hcl.Range) int {
	if r.End.Column <= 1 && r.End.Line > r.Start.Line {
		return r.End.Line - 1
	}
	return max(r.End.Line, r.Start.Line)
}

// OneLine is the diagnostic on one line, as editors read positions:
// "main.hcl:6:14: Summary: detail" (the detail's first line only).
func (d Diagnostic) OneLine() string {
	s := d.Summary
	if detail, _, _ := strings.Cut(strings.TrimSpace(d.Detail), "\n"); detail != "" {
		s += ": " + detail
	}
	if d.Filename != "" {
		s = fmt.Sprintf("%s:%d:%d: %s", d.Filename, d.Line, d.Column, s)
	}
	return s
}

// DiagnosticsLine joins the one-line forms of diags with "; ": what a
// task's Reason holds when its failure is only diagnostics.
func DiagnosticsLine(diags []Diagnostic) string {
	parts := make([]string, 0, len(diags))
	for _, d := range diags {
		parts = append(parts, d.OneLine())
	}
	return strings.Join(parts, "; ")
}
