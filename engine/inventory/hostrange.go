package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// maxRangeHosts bounds what one host pattern may expand to.
const maxRangeHosts = 10000

// expandHostPattern splits an optional :port off an Ansible host pattern
// and expands its ranges: "ctl[01:03]:2222" is ctl01, ctl02, ctl03 on port
// 2222; "db-[a:c]" is db-a, db-b, db-c; "n[0:10:5]" steps by 5. errMsg is
// empty on success.
func expandHostPattern(pattern string) (names []string, port *int, errMsg string) {
	host, p := splitHostPort(pattern)
	if p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, nil, fmt.Sprintf("port %s is out of range 1-65535", p)
		}
		port = &n
	}
	if host == "" {
		return nil, nil, "empty host name"
	}
	names, err := expandRanges(host, nil)
	if err != nil {
		return nil, nil, err.Error()
	}
	return names, port, ""
}

// splitHostPort separates a trailing :port, leaving IPv6 addresses and the
// colons inside [a:b] ranges alone.
func splitHostPort(s string) (host, port string) {
	if strings.HasPrefix(s, "[") {
		if end := strings.IndexByte(s, ']'); end > 0 && strings.Count(s[1:end], ":") >= 2 {
			inner, rest := s[1:end], s[end+1:]
			if rest == "" {
				return inner, ""
			}
			if rest[0] == ':' && isDigits(rest[1:]) {
				return inner, rest[1:]
			}
		}
	}
	depth, colons, last := 0, 0, -1
	for i, c := range s {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				colons++
				last = i
			}
		}
	}
	if colons == 1 && isDigits(s[last+1:]) {
		return s[:last], s[last+1:]
	}
	return s, ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandRanges expands the first [begin:end(:step)] of s, recursively.
func expandRanges(s string, out []string) ([]string, error) {
	open := strings.IndexByte(s, '[')
	closing := strings.IndexByte(s, ']')
	if open < 0 || closing < open || !strings.Contains(s[open:closing], ":") {
		return append(out, s), nil
	}
	head, spec, tail := s[:open], s[open+1:closing], s[closing+1:]
	bounds := strings.Split(spec, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, fmt.Errorf("host range must be begin:end or begin:end:step")
	}
	beg, end := bounds[0], bounds[1]
	step := 1
	if len(bounds) == 3 {
		n, err := strconv.Atoi(bounds[2])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("host range step must be a positive number, not %q", bounds[2])
		}
		step = n
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("host range must specify an end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		width = len(beg)
		if len(end) != width {
			return nil, fmt.Errorf("host range must specify equal-length begin and end formats")
		}
	}
	var seq []string
	ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if len(beg) == 1 && len(end) == 1 && ib >= 0 && ie >= 0 {
		if ib > ie {
			return nil, fmt.Errorf("host range must have begin <= end")
		}
		for i := ib; i <= ie; i += step {
			seq = append(seq, asciiLetters[i:i+1])
		}
	} else {
		nb, err1 := strconv.Atoi(beg)
		ne, err2 := strconv.Atoi(end)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("host range bounds must be numbers or single letters, not %q", spec)
		}
		if ne >= nb && (ne-nb)/step+1 > maxRangeHosts {
			return nil, fmt.Errorf("host range expands to more than %d hosts", maxRangeHosts)
		}
		for i := nb; i <= ne; i += step {
			seq = append(seq, fmt.Sprintf("%0*d", width, i))
		}
	}
	var err error
	for _, x := range seq {
		if out, err = expandRanges(head+x+tail, out); err != nil {
			return nil, err
		}
		if len(out) > maxRangeHosts {
			return nil, fmt.Errorf("host range expands to more than %d hosts", maxRangeHosts)
		}
	}
	return out, nil
}
