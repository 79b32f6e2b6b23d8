package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"

	"github.com/runbook-dev/runbook/engine/event"
)

// WriteDiagnostics writes diags in the style of hcl's diagnostic text,
// with a first line editors can parse:
//
//	main.hcl:12:3: Error: Unsupported argument
//
//	  on main.hcl line 12, in task "trove_conf":
//	    11: task "trove_conf" {
//	    12:   sectoin = "DEFAULT"
//	          ^^^^^^^
//
//	An argument named "sectoin" is not expected here.
//
// Without colour the subject is marked with carets, with colour it is
// underlined. files supplies the source; width (0: no wrapping) wraps the
// detail. Values of expressions are never shown: they may be sensitive.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, color bool, width int) error {
	for _, d := range diags {
		if d == nil {
			continue
		}
		if err := writeDiagnostic(w, event.NewDiagnostic(d, files), color, width); err != nil {
			return err
		}
	}
	return nil
}

// writeDiagnostic renders one diagnostic; Human uses it for diagnostic
// events, WriteDiagnostics for hcl's.
func writeDiagnostic(w io.Writer, d event.Diagnostic, color bool, width int) error {
	st := styler{on: color}
	var b strings.Builder

	severity, code := "Error", sgrBoldRed
	if d.Severity == "warning" {
		severity, code = "Warning", sgrYellow
	}
	if d.Filename != "" {
		loc := sanitize(d.Filename)
		if d.Line > 0 {
			loc += fmt.Sprintf(":%d", d.Line)
			if d.Column > 0 {
				loc += fmt.Sprintf(":%d", d.Column)
			}
		}
		b.WriteString(st.bold(loc+":") + " ")
	}
	b.WriteString(st.paint(code, severity+":") + " " + st.bold(oneLine(d.Summary)) + "\n")

	if d.Filename != "" && d.Line > 0 {
		in := ""
		if d.Context != "" {
			in = ", in " + sanitize(d.Context)
		}
		fmt.Fprintf(&b, "\n  on %s line %d%s:\n", sanitize(d.Filename), d.Line, in)
		if d.Snippet == "" {
			b.WriteString("  (source code not available)\n")
		}
		writeSnippet(&b, d, st)
	}
	if detail := strings.TrimSpace(d.Detail); detail != "" {
		detail = sanitizeLines(detail)
		if width > 1 {
			detail = wordwrap.WrapString(detail, uint(width-1))
		}
		b.WriteString("\n" + detail + "\n")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSnippet writes the numbered source lines of d, the subject
// underlined (colour) or marked with carets on the line below.
func writeSnippet(b *strings.Builder, d event.Diagnostic, st styler) {
	if d.Snippet == "" {
		return
	}
	first := d.SnippetLine
	if first == 0 {
		first = d.Line
	}
	endLine, endCol := d.EndLine, d.EndColumn
	if endLine == 0 {
		endLine, endCol = d.Line, d.Column+1
	}
	for i, text := range strings.Split(d.Snippet, "\n") {
		n := first + i
		line := []rune(text)
		start, end := -1, -1
		if n >= d.Line && n <= endLine {
			start, end = leadingSpace(line), len(line)
			if n == d.Line {
				start = max(d.Column-1, 0)
			}
			if n == endLine {
				end = endCol - 1
			}
			if n == d.Line && end <= start {
				end = start + 1 // an empty range: mark one column
			}
			start, end = min(start, len(line)), min(end, max(len(line), start+1))
		}
		prefix := fmt.Sprintf("%4d: ", n)
		if start < 0 || end <= start {
			b.WriteString(prefix + sanitize(text) + "\n")
			continue
		}
		before := string(line[:start])
		mid := string(line[start:min(end, len(line))])
		after := string(line[min(end, len(line)):])
		if st.on {
			b.WriteString(prefix + sanitize(before) + st.paint(sgrUnderline, sanitize(mid)) + sanitize(after) + "\n")
			continue
		}
		b.WriteString(prefix + sanitize(text) + "\n")
		b.WriteString(strings.Repeat(" ", len(prefix)) + blankOut(sanitize(before)) + strings.Repeat("^", max(1, runeLen(sanitize(mid)))) + "\n")
	}
}

// blankOut turns text into the whitespace that lines up under it, keeping
// tabs as tabs.
func blankOut(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\t' {
			b.WriteRune('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// leadingSpace counts the blanks that open line.
func leadingSpace(line []rune) int {
	for i, r := range line {
		if r != ' ' && r != '\t' {
			return i
		}
	}
	return len(line)
}

func runeLen(s string) int { return len([]rune(s)) }

// sanitizeLines sanitizes each line of s, keeping its newlines.
func sanitizeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = sanitize(strings.TrimSuffix(l, "\r"))
	}
	return strings.Join(lines, "\n")
}
