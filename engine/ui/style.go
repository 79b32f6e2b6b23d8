package ui

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/runbook-dev/runbook/engine/event"
)

// ANSI SGR sequences. Kept few on purpose: a palette an operator's
// terminal theme can live with.
const (
	sgrReset     = "\x1b[0m"
	sgrBold      = "\x1b[1m"
	sgrDim       = "\x1b[2m"
	sgrUnderline = "\x1b[1;4m"
	sgrRed       = "\x1b[31m"
	sgrGreen     = "\x1b[32m"
	sgrYellow    = "\x1b[33m"
	sgrBlue      = "\x1b[34m"
	sgrMagenta   = "\x1b[35m"
	sgrCyan      = "\x1b[36m"
	sgrBoldRed   = "\x1b[1;31m"

	eraseLine = "\r\x1b[K" // back to column 0 and clear to the end of line
)

// styler wraps text in SGR sequences when colour is on, and is the
// identity otherwise.
type styler struct{ on bool }

func (s styler) paint(code, text string) string {
	if !s.on || text == "" {
		return text
	}
	return code + text + sgrReset
}

func (s styler) muted(text string) string { return s.paint(sgrDim, text) }
func (s styler) bold(text string) string  { return s.paint(sgrBold, text) }

// statusWord is how a status reads in the human output.
func statusWord(st event.Status) string {
	switch st {
	case event.StatusWouldChange:
		return "would change"
	case event.StatusUnpredictable:
		return "cannot predict"
	case "":
		return "?"
	}
	return string(st)
}

// statusColor is the colour of a status word, after Ansible's habits.
func statusColor(st event.Status) string {
	switch st {
	case event.StatusOK:
		return sgrGreen
	case event.StatusChanged, event.StatusWouldChange:
		return sgrYellow
	case event.StatusUnpredictable:
		return sgrBlue
	case event.StatusFailed, event.StatusUnreachable:
		return sgrBoldRed
	case event.StatusSkipped:
		return sgrCyan
	case event.StatusRescued, event.StatusIgnored:
		return sgrMagenta
	}
	return ""
}

// instanceAddr is a task address with its for_each key, e.g.
// task.upgrade_guests[db1]; a key that is not a plain word is quoted.
func instanceAddr(task, key string) string {
	if key == "" {
		return task
	}
	plain := true
	for _, r := range key {
		if !(r == '_' || r == '-' || r == '.' || r == ':' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			plain = false
			break
		}
	}
	if !plain {
		key = quote(key)
	}
	return task + "[" + key + "]"
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return sanitize(b.String())
}

// sanitize makes text from hosts safe for a terminal: escape sequences,
// carriage returns, other control characters (tabs excepted) and invalid
// UTF-8 become visible \x.. escapes, so remote output can neither recolour
// nor rewrite the operator's screen.
func sanitize(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, isUnsafe) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isUnsafe(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isUnsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isUnsafe(r rune) bool {
	return r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
}

// truncate cuts s to at most width runes, marking the cut with "…".
func truncate(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// lastLines returns the last n non-empty-trailing lines of s.
func lastLines(s string, n int) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}
