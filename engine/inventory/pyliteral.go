package inventory

import (
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
)

// parsePyLiteral reads s as Python's ast.literal_eval does, which is how
// Ansible's INI inventory turns `key=value` into a value: numbers, quoted
// strings, True/False/None, lists, tuples, dicts and sets. ok is false
// when s is not such a literal; Ansible then keeps the text as a string.
func parsePyLiteral(s string) (v cty.Value, ok bool) {
	p := &pyParser{s: s}
	p.space()
	v, ok = p.value(0)
	if !ok {
		return cty.NilVal, false
	}
	p.space()
	if p.i != len(p.s) {
		return cty.NilVal, false
	}
	return v, true
}

type pyParser struct {
	s string
	i int
}

const pyMaxDepth = 100

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) value(depth int) (cty.Value, bool) {
	if depth > pyMaxDepth {
		return cty.NilVal, false
	}
	p.space()
	c := p.peek()
	switch {
	case c == '[':
		p.i++
		items, ok := p.items(']', depth)
		if !ok {
			return cty.NilVal, false
		}
		return tupleOf(items), true
	case c == '(':
		p.i++
		start := p.i
		p.space()
		if p.peek() == ')' {
			p.i++
			return cty.EmptyTupleVal, true
		}
		p.i = start
		v, ok := p.value(depth + 1)
		if !ok {
			return cty.NilVal, false
		}
		p.space()
		switch p.peek() {
		case ')':
			p.i++
			return v, true // parenthesized, not a tuple
		case ',':
			p.i++
			rest, ok := p.items(')', depth)
			if !ok {
				return cty.NilVal, false
			}
			return tupleOf(append([]cty.Value{v}, rest...)), true
		}
		return cty.NilVal, false
	case c == '{':
		p.i++
		return p.dictOrSet(depth)
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+':
		p.i++
		p.space()
		n, ok := p.number()
		if !ok {
			return cty.NilVal, false
		}
		if c == '-' {
			n = n.Neg(n)
		}
		return cty.NumberVal(n), true
	case c == '.' || (c >= '0' && c <= '9'):
		n, ok := p.number()
		if !ok {
			return cty.NilVal, false
		}
		return cty.NumberVal(n), true
	}
	// names and string prefixes
	j := p.i
	for j < len(p.s) && (isIdentByte(p.s[j])) {
		j++
	}
	word := p.s[p.i:j]
	if j < len(p.s) && (p.s[j] == '\'' || p.s[j] == '"') {
		switch strings.ToLower(word) {
		case "r", "u", "b", "br", "rb":
			return p.strings()
		}
		return cty.NilVal, false
	}
	p.i = j
	switch word {
	case "True":
		return cty.True, true
	case "False":
		return cty.False, true
	case "None":
		return cty.NullVal(cty.DynamicPseudoType), true
	}
	return cty.NilVal, false
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// items reads comma-separated values up to end (a trailing comma allowed).
func (p *pyParser) items(end byte, depth int) ([]cty.Value, bool) {
	var out []cty.Value
	for {
		p.space()
		if p.peek() == end {
			p.i++
			return out, true
		}
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case end:
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}

func (p *pyParser) dictOrSet(depth int) (cty.Value, bool) {
	p.space()
	if p.peek() == '}' {
		p.i++
		return cty.EmptyObjectVal, true
	}
	first, ok := p.value(depth + 1)
	if !ok {
		return cty.NilVal, false
	}
	p.space()
	if p.peek() != ':' {
		// a set: {a, b}
		var rest []cty.Value
		switch p.peek() {
		case ',':
			p.i++
			if rest, ok = p.items('}', depth); !ok {
				return cty.NilVal, false
			}
		case '}':
			p.i++
		default:
			return cty.NilVal, false
		}
		return tupleOf(append([]cty.Value{first}, rest...)), true
	}
	attrs := map[string]cty.Value{}
	key := first
	for {
		p.i++ // ':'
		v, ok := p.value(depth + 1)
		if !ok {
			return cty.NilVal, false
		}
		ks, ok := pyKeyString(key)
		if !ok {
			return cty.NilVal, false
		}
		attrs[ks] = v
		p.space()
		switch p.peek() {
		case '}':
			p.i++
			return cty.ObjectVal(attrs), true
		case ',':
			p.i++
			p.space()
			if p.peek() == '}' {
				p.i++
				return cty.ObjectVal(attrs), true
			}
			if key, ok = p.value(depth + 1); !ok {
				return cty.NilVal, false
			}
			p.space()
			if p.peek() != ':' {
				return cty.NilVal, false
			}
		default:
			return cty.NilVal, false
		}
	}
}

// pyKeyString renders a dict key as an object attribute name.
func pyKeyString(k cty.Value) (string, bool) {
	if k.IsNull() {
		return "None", true
	}
	switch k.Type() {
	case cty.String:
		return k.AsString(), true
	case cty.Number:
		return k.AsBigFloat().Text('f', -1), true
	case cty.Bool:
		if k.True() {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

func tupleOf(items []cty.Value) cty.Value {
	if len(items) == 0 {
		return cty.EmptyTupleVal
	}
	return cty.TupleVal(items)
}

// number reads a Python int or float literal (no sign).
func (p *pyParser) number() (*big.Float, bool) {
	j := p.i
	radix := len(p.s) > j+1 && p.s[j] == '0' && strings.IndexByte("xXbBoO", p.s[j+1]) >= 0
	for j < len(p.s) {
		c := p.s[j]
		exponentSign := (c == '+' || c == '-') && j > p.i && (p.s[j-1] == 'e' || p.s[j-1] == 'E') && !radix
		if !isIdentByte(c) && c != '.' && !exponentSign {
			break
		}
		j++
	}
	lit := p.s[p.i:j]
	p.i = j
	if lit == "" || strings.HasSuffix(lit, "_") || strings.Contains(lit, "__") {
		return nil, false
	}
	clean := strings.ReplaceAll(lit, "_", "")
	lower := strings.ToLower(clean)
	if len(lower) > 1 && lower[0] == '0' && (lower[1] == 'x' || lower[1] == 'o' || lower[1] == 'b') {
		i, ok := new(big.Int).SetString(lower[2:], map[byte]int{'x': 16, 'o': 8, 'b': 2}[lower[1]])
		if !ok {
			return nil, false
		}
		return new(big.Float).SetInt(i), true
	}
	if !strings.ContainsAny(lower, ".e") {
		// decimal int: no leading zeros except 0 itself
		if len(lower) > 1 && lower[0] == '0' && strings.Trim(lower, "0") != "" {
			return nil, false
		}
		i, ok := new(big.Int).SetString(lower, 10)
		if !ok {
			return nil, false
		}
		return new(big.Float).SetInt(i), true
	}
	for _, c := range lower {
		if !(c >= '0' && c <= '9') && c != '.' && c != 'e' && c != '+' && c != '-' {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(lower, 64)
	if err != nil {
		return nil, false
	}
	return big.NewFloat(f), true
}

// strings reads one or more adjacent string literals (concatenated).
func (p *pyParser) strings() (cty.Value, bool) {
	var sb strings.Builder
	n := 0
	for {
		p.space()
		start := p.i
		raw := false
		for p.i < len(p.s) && isIdentByte(p.s[p.i]) {
			if c := p.s[p.i]; c == 'r' || c == 'R' {
				raw = true
			}
			p.i++
		}
		if pre := strings.ToLower(p.s[start:p.i]); pre != "" && pre != "r" && pre != "u" && pre != "b" && pre != "br" && pre != "rb" {
			p.i = start
			break
		}
		q := p.peek()
		if q != '\'' && q != '"' {
			p.i = start
			break
		}
		s, ok := p.quoted(q, raw)
		if !ok {
			return cty.NilVal, false
		}
		sb.WriteString(s)
		n++
	}
	if n == 0 {
		return cty.NilVal, false
	}
	return cty.StringVal(sb.String()), true
}

func (p *pyParser) quoted(q byte, raw bool) (string, bool) {
	delim := string(q)
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	p.i += len(delim)
	var sb strings.Builder
	for p.i < len(p.s) {
		if strings.HasPrefix(p.s[p.i:], delim) {
			p.i += len(delim)
			return sb.String(), true
		}
		c := p.s[p.i]
		if c == '\n' && len(delim) == 1 {
			return "", false
		}
		if c != '\\' || p.i+1 >= len(p.s) {
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			sb.WriteRune(r)
			p.i += size
			continue
		}
		e := p.s[p.i+1]
		if raw {
			sb.WriteByte('\\')
			sb.WriteByte(e)
			p.i += 2
			continue
		}
		p.i += 2
		switch e {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case '0':
			sb.WriteByte(0)
		case '\\', '\'', '"':
			sb.WriteByte(e)
		case '\n':
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if p.i+n > len(p.s) {
				return "", false
			}
			code, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
			if err != nil {
				return "", false
			}
			sb.WriteRune(rune(code))
			p.i += n
		default:
			sb.WriteByte('\\')
			sb.WriteByte(e)
		}
	}
	return "", false
}
