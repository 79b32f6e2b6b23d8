package ini

import (
	"fmt"
	"regexp"
	"strings"
)

// The editor changes only the lines of the options it is asked about;
// every other byte of the file (comments, blank lines, spacing, line
// endings, the order of everything) stays as it was. Each edit renders the
// file and parses it again, so the next edit sees the file as it now is.

// set makes key in sectionName hold want: one value for a plain option,
// several (one line each, in order) for a MultiStrOpt. The first existing
// occurrence is rewritten in place keeping its "key = " spelling, further
// occurrences are removed. A new option goes after its commented-out
// default ("#key = ...", as oslo-config-generator writes sample files), else
// after the section's last option, else right after the section header; a
// new section is appended to the file.
func (f *file) set(name, sectionName, key string, want []string) (*file, bool, error) {
	occ := f.find(sectionName, key)
	if equal(values(occ), want) {
		return f, false, nil
	}
	prefix := key + " = "
	if len(occ) > 0 {
		prefix = keyPrefix(string(f.lines[occ[0].first].text))
	}
	var newLines []line
	for _, v := range want {
		ls, err := renderOption(prefix, v, f.eol)
		if err != nil {
			return nil, false, fmt.Errorf("[%s] %s: %w", sectionName, key, err)
		}
		newLines = append(newLines, ls...)
	}
	var del [][2]int
	for _, o := range occ {
		del = append(del, [2]int{o.first, o.last})
	}
	switch at := f.insertPoint(sectionName, key); {
	case len(occ) > 0:
		return f.splice(name, del, occ[0].first, newLines)
	case at >= 0:
		return f.splice(name, nil, at, newLines)
	default:
		var add []line
		if n := len(f.lines); n > 0 && f.lines[n-1].kind != blank {
			add = append(add, line{eol: f.eol, kind: blank})
		}
		add = append(add, line{text: []byte("[" + sectionName + "]"), eol: f.eol, kind: section})
		return f.splice(name, nil, len(f.lines), append(add, newLines...))
	}
}

// remove deletes every occurrence of key in sectionName.
func (f *file) remove(name, sectionName, key string) (*file, bool, error) {
	occ := f.find(sectionName, key)
	if len(occ) == 0 {
		return f, false, nil
	}
	var del [][2]int
	for _, o := range occ {
		del = append(del, [2]int{o.first, o.last})
	}
	return f.splice(name, del, -1, nil)
}

// insertPoint is the line index a new option key of sectionName goes
// before, or -1 when the section does not exist.
func (f *file) insertPoint(sectionName, key string) int {
	commented := regexp.MustCompile(`^[#;]\s*` + regexp.QuoteMeta(key) + `\s*[=:]`)
	lastOpt, header := -1, -1
	for _, s := range f.sections {
		if s.name != sectionName {
			continue
		}
		if header < 0 {
			header = s.header
		}
		for i := s.header + 1; i < s.end; i++ {
			if f.lines[i].kind == comment && commented.Match(f.lines[i].text) {
				return i + 1
			}
		}
		for _, o := range f.opts {
			if o.first > s.header && o.first < s.end && o.last > lastOpt {
				lastOpt = o.last
			}
		}
	}
	switch {
	case lastOpt >= 0:
		return lastOpt + 1
	case header >= 0:
		return header + 1
	}
	return -1
}

// splice deletes the line ranges del, inserts ins before line at (at may be
// len(lines); -1 inserts nothing), and parses the result again.
func (f *file) splice(name string, del [][2]int, at int, ins []line) (*file, bool, error) {
	deleted := func(i int) bool {
		for _, d := range del {
			if i >= d[0] && i <= d[1] {
				return true
			}
		}
		return false
	}
	out := make([]line, 0, len(f.lines)+len(ins))
	emit := func(ls ...line) {
		for _, l := range ls {
			if n := len(out); n > 0 && len(out[n-1].eol) == 0 {
				out[n-1].eol = f.eol // a last line without an ending gets one
			}
			out = append(out, l)
		}
	}
	for i := 0; i <= len(f.lines); i++ {
		if i == at {
			emit(ins...)
		}
		if i < len(f.lines) && !deleted(i) {
			out = append(out, f.lines[i])
		}
	}
	nf := &file{lines: out, eol: f.eol}
	next, err := parse(name, nf.bytes())
	if err != nil {
		return nil, false, fmt.Errorf("internal error: the edited file does not parse: %w", err)
	}
	return next, true, nil
}

// keyPrefix returns the "key = " part of an option line: everything up to
// the separator and the blanks after it, so a rewritten value keeps the
// line's own spelling ("key=value" stays without spaces).
func keyPrefix(text string) string {
	i := strings.IndexAny(text, "=:")
	j := i + 1
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
		j++
	}
	p := text[:j]
	if j == i+1 && i > 0 && (text[i-1] == ' ' || text[i-1] == '\t') {
		p += " "
	}
	return p
}

// renderOption writes key = value as oslo.config will read it back: a
// value with blanks at its ends, or wholly within quotes, is quoted; a
// multi-line value continues on indented lines. A value that cannot come
// back the same (an empty line, or blanks at the ends of a line after the
// first) is an error.
func renderOption(prefix, v string, eol []byte) ([]line, error) {
	if strings.ContainsAny(v, "\r\x00") {
		return nil, fmt.Errorf("the value holds a carriage return or a NUL byte, which an INI file cannot hold")
	}
	parts := strings.Split(v, "\n")
	first := parts[0]
	if first != strings.TrimSpace(first) || (len(first) >= 2 && (first[0] == '"' || first[0] == '\'') && first[len(first)-1] == first[0]) {
		first = `"` + first + `"`
	}
	text := strings.TrimRight(prefix+first, " \t")
	ls := []line{{text: []byte(text), eol: eol, kind: option}}
	for _, p := range parts[1:] {
		ls = append(ls, line{text: []byte("    " + p), eol: eol, kind: continuation})
	}
	// Read it back as oslo.config would.
	probe := &file{lines: append([]line{{text: []byte("[x]"), eol: eol}}, ls...)}
	pf, err := parse("value", probe.bytes())
	if err != nil || len(pf.opts) != 1 || pf.opts[0].value != v {
		return nil, fmt.Errorf("the value cannot be written so that oslo.config reads it back unchanged (an empty line, a line starting or ending with blanks, or a carriage return in a multi-line value)")
	}
	return ls, nil
}

func values(occ []opt) []string {
	out := make([]string, len(occ))
	for i, o := range occ {
		out[i] = o.value
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
