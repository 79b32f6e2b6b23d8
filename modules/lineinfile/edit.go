package lineinfile

import (
	"bytes"
	"strings"
)

// text is a file split into lines, each with its own line ending.
type text struct {
	lines []string // without endings
	eols  []string // "\n", "\r\n" or "" (a last line without one)
	eol   string   // the ending new lines get
}

func split(b []byte) *text {
	t := &text{eol: "\n"}
	for rest := string(b); rest != ""; {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			t.lines, t.eols, rest = append(t.lines, rest), append(t.eols, ""), ""
			break
		}
		l, e := rest[:i], "\n"
		if strings.HasSuffix(l, "\r") {
			l, e = l[:len(l)-1], "\r\n"
		}
		t.lines, t.eols, rest = append(t.lines, l), append(t.eols, e), rest[i+1:]
	}
	if len(t.eols) > 0 && t.eols[0] == "\r\n" {
		t.eol = "\r\n"
	}
	return t
}

func (t *text) bytes() []byte {
	var b bytes.Buffer
	for i, l := range t.lines {
		b.WriteString(l)
		b.WriteString(t.eols[i])
	}
	return b.Bytes()
}

func (t *text) insert(at int, line string) {
	if at > 0 && t.eols[at-1] == "" {
		t.eols[at-1] = t.eol // the old last line gets an ending
	}
	t.lines = append(t.lines[:at], append([]string{line}, t.lines[at:]...)...)
	t.eols = append(t.eols[:at], append([]string{t.eol}, t.eols[at:]...)...)
}

func (t *text) remove(at int) {
	t.lines = append(t.lines[:at], t.lines[at+1:]...)
	t.eols = append(t.eols[:at], t.eols[at+1:]...)
}

// present makes the line be in the file, as Ansible's lineinfile does:
// the last line regexp matches (or, without regexp, a line equal to line)
// is replaced by line; with no such line, line is inserted after the last
// line insertafter matches (or before the last one insertbefore matches),
// at the start for insertbefore = "BOF", else at the end. Unlike Ansible,
// a regexp that matches nothing does not add line again when the file
// already has it, so a second run changes nothing.
func (w *want) present(t *text) {
	line := *w.line
	match, ins := -1, -1
	for i, l := range t.lines {
		switch {
		case w.re != nil && w.re.MatchString(l), w.re == nil && l == line:
			match = i
		case w.after != nil && w.after.MatchString(l):
			ins = i + 1
		case w.before != nil && w.before.MatchString(l):
			ins = i
		}
	}
	if match >= 0 {
		t.lines[match] = line
		return
	}
	if w.re != nil {
		for _, l := range t.lines {
			if l == line {
				return
			}
		}
	}
	switch {
	case w.bof:
		t.insert(0, line)
	case ins >= 0 && !w.eof:
		t.insert(ins, line)
	default:
		t.insert(len(t.lines), line)
	}
}

// absent removes every line regexp matches (or, without regexp, every
// line equal to line).
func (w *want) absentLines(t *text) {
	for i := len(t.lines) - 1; i >= 0; i-- {
		l := t.lines[i]
		if (w.re != nil && w.re.MatchString(l)) || (w.re == nil && l == *w.line) {
			t.remove(i)
		}
	}
}
