package inventory

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The INI reader follows ansible/plugins/inventory/ini.py: sections
// [group], [group:children], [group:vars]; host lines with ranges, a
// :port suffix and inline key=value vars (split like shlex, values read as
// Python literals); vars lines split at the first "="; ; and # comments.

var (
	iniSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:[#;].*)?$`)
)

type iniPending struct {
	state   string // "children" or "vars"
	rng     hcl.Range
	parents []string
}

func (b *builder) loadINI(filename string, src []byte) {
	li := newLineIndex(src)
	lines := strings.Split(string(src), "\n")
	group, state := UngroupedGroup, "hosts"
	var groupRange hcl.Range
	pending := map[string]*iniPending{}
	var pendingOrder []string

	for n, raw := range lines {
		lineNo := n + 1
		raw = strings.TrimSuffix(raw, "\r")
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		col := strings.Index(raw, line) + 1
		lineRange := li.rng(filename, lineNo, col, len(line))

		if m := iniSection.FindStringSubmatch(line); m != nil {
			group, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			groupRange = li.rng(filename, lineNo, col+1, len(group))
			if !b.checkName("group", group, groupRange) {
				state = "skip"
				continue
			}
			if state != "hosts" && state != "children" && state != "vars" {
				b.errorf(li.rng(filename, lineNo, col+2+len(group), len(state)).Ptr(), "Invalid INI inventory section",
					fmt.Sprintf("Section [%s:%s] has unknown type %q; use :children or :vars.", group, state, state))
				state = "skip"
				continue
			}
			if _, known := b.groups[group]; !known {
				if state == "vars" {
					if _, ok := pending[group]; !ok {
						pending[group] = &iniPending{state: "vars", rng: groupRange}
						pendingOrder = append(pendingOrder, group)
					}
				}
				b.group(group, groupRange)
			}
			if p, ok := pending[group]; ok && state != "vars" {
				for _, parent := range p.parents {
					b.addChild(parent, group, p.rng)
				}
				delete(pending, group)
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			b.errorf(lineRange.Ptr(), "Invalid INI inventory section",
				fmt.Sprintf("Invalid section entry %s: a section is [group], [group:children] or [group:vars], without spaces.", line))
			state = "skip"
			continue
		}

		switch state {
		case "skip":
		case "hosts":
			b.iniHostLine(filename, li, lineNo, raw, group, groupRange)
		case "vars":
			eq := strings.IndexByte(line, '=')
			if eq < 0 {
				b.errorf(lineRange.Ptr(), "Invalid INI inventory variable",
					fmt.Sprintf("Expected key=value in [%s:vars], got %q.", group, line))
				continue
			}
			k, v := strings.TrimSpace(line[:eq]), strings.TrimSpace(line[eq+1:])
			g := b.groups[group]
			vrng := li.rng(filename, lineNo, col+eq+1+(len(line[eq+1:])-len(strings.TrimLeft(line[eq+1:], " \t"))), len(v))
			l := layer{}
			l.setVar(k, iniValue(v), vrng)
			g.inv = append(g.inv, &l)
		case "children":
			m := iniGroupName.FindStringSubmatch(line)
			if m == nil {
				b.errorf(lineRange.Ptr(), "Invalid INI inventory group name",
					fmt.Sprintf("Expected a group name in [%s:children], got %q.", group, line))
				continue
			}
			child := m[1]
			crng := li.rng(filename, lineNo, col, len(child))
			if _, known := b.groups[child]; known {
				b.addChild(group, child, crng)
				continue
			}
			if p, ok := pending[child]; ok {
				p.parents = append(p.parents, group)
			} else {
				pending[child] = &iniPending{state: "children", rng: crng, parents: []string{group}}
				pendingOrder = append(pendingOrder, child)
			}
		}
	}
	for _, name := range pendingOrder {
		p, ok := pending[name]
		if !ok {
			continue
		}
		if p.state == "vars" {
			b.errorf(p.rng.Ptr(), "Undefined group",
				fmt.Sprintf("Section [%s:vars] is not valid for a group that is declared nowhere.", name))
		} else {
			b.errorf(p.rng.Ptr(), "Undefined group",
				fmt.Sprintf("Section [%s:children] includes group %q, which is declared nowhere.", p.parents[0], name))
		}
	}
}

// addChild makes child a child group of parent (both exist).
func (b *builder) addChild(parent, child string, rng hcl.Range) {
	g := b.groups[parent]
	for _, c := range g.children {
		if c.Name == child {
			return
		}
	}
	g.children = append(g.children, ref{Name: child, Range: rng})
}

// iniHostLine reads `pattern[:port] [key=value ...]` in a hosts section.
func (b *builder) iniHostLine(filename string, li *lineIndex, lineNo int, raw, group string, groupRange hcl.Range) {
	toks, err := shlexSplit(raw)
	if err != nil {
		b.errorf(li.rng(filename, lineNo, err.col+1, 1).Ptr(), "Invalid INI inventory host line", err.msg)
		return
	}
	if len(toks) == 0 {
		return
	}
	first := toks[0]
	frng := li.rng(filename, lineNo, first.col+1, first.end-first.col)
	names, port, perr := expandHostPattern(first.text)
	if perr != "" {
		b.errorf(frng.Ptr(), "Invalid host pattern", fmt.Sprintf("%s: %s.", first.text, perr))
		return
	}
	l := layer{}
	if port != nil {
		l.conn.Port = port
	}
	for _, t := range toks[1:] {
		trng := li.rng(filename, lineNo, t.col+1, t.end-t.col)
		eq := strings.IndexByte(t.text, '=')
		if eq < 0 {
			b.errorf(trng.Ptr(), "Invalid INI inventory host variable",
				fmt.Sprintf("Expected key=value host variable assignment, got %q.", t.text))
			return
		}
		l.setVar(t.text[:eq], iniValue(t.text[eq+1:]), trng)
	}
	b.group(group, groupRange) // a section always declares it; make sure
	for _, name := range names {
		if !b.checkName("host", name, frng) {
			return
		}
		h := b.host(name, frng)
		if group != UngroupedGroup && group != AllGroup {
			h.groups = append(h.groups, ref{Name: group, Range: frng})
		}
		if len(l.vars) > 0 || port != nil {
			h.inv = append(h.inv, &l)
		}
	}
}

// iniValue reads a value as Ansible does: a Python literal, or the text.
func iniValue(s string) cty.Value {
	if v, ok := parsePyLiteral(s); ok {
		return v
	}
	return cty.StringVal(s)
}

type shToken struct {
	text     string
	col, end int // byte offsets in the line
}

type shError struct {
	msg string
	col int
}

// shlexSplit splits a line like Python's shlex.split(s, comments=True,
// posix=True): whitespace separates, quotes group, backslash escapes, and
// # outside quotes starts a comment.
func shlexSplit(line string) ([]shToken, *shError) {
	var toks []shToken
	var cur strings.Builder
	in := false
	start := 0
	var quote byte
	quoteAt := 0
	emit := func(end int) {
		if in {
			toks = append(toks, shToken{text: cur.String(), col: start, end: end})
		}
		cur.Reset()
		in = false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if quote != 0 {
			switch {
			case c == quote:
				quote = 0
			case quote == '"' && c == '\\' && i+1 < len(line) && strings.IndexByte("\\\"$`\n", line[i+1]) >= 0:
				i++
				cur.WriteByte(line[i])
			default:
				cur.WriteByte(c)
			}
			continue
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			emit(i)
		case c == '#':
			emit(i)
			return toks, nil
		case c == '\'' || c == '"':
			if !in {
				in, start = true, i
			}
			quote, quoteAt = c, i
		case c == '\\':
			if !in {
				in, start = true, i
			}
			if i+1 < len(line) {
				i++
				cur.WriteByte(line[i])
			}
		default:
			if !in {
				in, start = true, i
			}
			cur.WriteByte(c)
		}
	}
	if quote != 0 {
		return nil, &shError{msg: "No closing quotation.", col: quoteAt}
	}
	emit(len(line))
	return toks, nil
}
