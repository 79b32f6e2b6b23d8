package ini

import (
	"bytes"
	"fmt"
	"strings"
)

// lineKind is what a line of an INI file is, as oslo.config's parser
// (oslo_config/iniparser.py) sees it.
type lineKind int

const (
	blank        lineKind = iota // empty or only whitespace: ends a multi-line value
	comment                      // starts with # or ; in the first column
	section                      // [name]
	option                       // key = value or key: value
	continuation                 // starts with a space or tab: more of the option above
)

// line is one line of the file, kept byte for byte.
type line struct {
	text []byte // without the line ending
	eol  []byte // "\n", "\r\n" or "" (a last line without one)
	kind lineKind
}

// opt is one occurrence of an option: the lines it spans and its value as
// oslo.config reads it (quotes around a one-line value removed,
// continuation lines joined with "\n").
type opt struct {
	section     string
	key         string
	first, last int // line indexes, inclusive
	value       string
}

// sectionRange is one [section] header and the lines up to the next one.
// A section may appear more than once; oslo.config merges them.
type sectionRange struct {
	name        string
	header, end int // end is exclusive
}

// file is a parsed INI file.
type file struct {
	lines    []line
	opts     []opt
	sections []sectionRange
	eol      []byte // the line ending new lines get
}

// ParseError is a line of an INI file that oslo.config would refuse.
type ParseError struct {
	Path string
	Line int
	Text string
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %q", e.Path, e.Line, e.Msg, truncate(e.Text, 80))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// parse reads content as oslo.config does. It errors, with the line
// number, on a line that is neither a section header, an option, a comment,
// a blank line nor a continuation of an option, and on an option before
// the first section.
func parse(name string, content []byte) (*file, error) {
	f := &file{eol: []byte("\n")}
	for rest := content; len(rest) > 0; {
		var l line
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l.text, l.eol, rest = rest[:i], rest[i:i+1], rest[i+1:]
			if n := len(l.text); n > 0 && l.text[n-1] == '\r' {
				l.text, l.eol = l.text[:n-1], []byte("\r\n")
			}
		} else {
			l.text, rest = rest, nil
		}
		f.lines = append(f.lines, l)
	}
	if len(f.lines) > 0 && string(f.lines[0].eol) == "\r\n" {
		f.eol = []byte("\r\n")
	}

	cur := -1 // index in f.opts of the option that continuation lines extend
	sec := -1 // index in f.sections
	fail := func(i int, msg string) error {
		return &ParseError{Path: name, Line: i + 1, Text: string(f.lines[i].text), Msg: msg}
	}
	for i := range f.lines {
		l := &f.lines[i]
		text := strings.TrimRight(string(l.text), " \t\r\f\v")
		switch {
		case text == "":
			l.kind = blank
			cur = -1
		case text[0] == ' ' || text[0] == '\t':
			if cur < 0 {
				return nil, fail(i, "unexpected continuation line (an indented line must continue the value of the option above it)")
			}
			l.kind = continuation
			o := &f.opts[cur]
			o.value += "\n" + strings.TrimLeft(text, " \t\f\v")
			o.last = i
		case text[0] == '[':
			cur = -1
			if text[len(text)-1] != ']' {
				return nil, fail(i, "section header without a closing \"]\"")
			}
			if len(text) <= 2 {
				return nil, fail(i, "section header without a name")
			}
			l.kind = section
			if sec >= 0 {
				f.sections[sec].end = i
			}
			f.sections = append(f.sections, sectionRange{name: text[1 : len(text)-1], header: i, end: len(f.lines)})
			sec = len(f.sections) - 1
		case text[0] == '#' || text[0] == ';':
			l.kind = comment
			cur = -1
		default:
			key, value, ok := splitOption(text)
			if !ok {
				return nil, fail(i, "not a section header, an option (key = value), a comment or a continuation line")
			}
			if key == "" {
				return nil, fail(i, "option without a name")
			}
			if sec < 0 {
				return nil, fail(i, "option before the first [section]")
			}
			l.kind = option
			f.opts = append(f.opts, opt{section: f.sections[sec].name, key: key, first: i, last: i, value: value})
			cur = len(f.opts) - 1
		}
	}
	return f, nil
}

// splitOption splits an option line at the first "=" or ":", whichever
// comes first, as oslo.config does; a value wholly within matching single
// or double quotes loses them.
func splitOption(text string) (key, value string, ok bool) {
	i := strings.IndexAny(text, "=:")
	if i < 0 {
		return "", "", false
	}
	key = strings.TrimSpace(text[:i])
	value = strings.TrimSpace(text[i+1:])
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		value = value[1 : len(value)-1]
	}
	return key, value, true
}

// find returns the occurrences of key in section, in file order.
func (f *file) find(sectionName, key string) []opt {
	var out []opt
	for _, o := range f.opts {
		if o.section == sectionName && o.key == key {
			out = append(out, o)
		}
	}
	return out
}

// bytes renders the file back, byte for byte.
func (f *file) bytes() []byte {
	var b bytes.Buffer
	for _, l := range f.lines {
		b.Write(l.text)
		b.Write(l.eol)
	}
	return b.Bytes()
}
