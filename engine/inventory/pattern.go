package inventory

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/runbook-dev/runbook/internal/didyoumean"
)

// Select returns the hosts that host patterns pick, as Ansible's --limit and
// `hosts:` do, in declaration order:
//
//   - a host name, a group name, "all" or "*";
//   - a glob on host and group names ("ctl*", "db?", "web[12]"), or a
//     regular expression after "~" ("~ctl[0-9]+", anchored at the start
//     of the name as Python's re.match);
//   - a subscript of a group: "controller[0]", "controller[-1]",
//     "controller[0:2]" (inclusive, as in Ansible);
//   - several, separated by commas or colons: a union, except that
//     "&x" keeps only the hosts also in x and "!x" drops the hosts in x,
//     whatever their place in the list.
//
// With only & and ! terms, the union starts from "all". An empty list
// selects all. A term that matches nothing is an error naming it; so is an
// invalid regular expression or subscript. The implicit localhost is
// picked only by its own name.
func (inv *Inventory) Select(patterns []string) ([]*Host, error) {
	var terms []string
	for _, p := range patterns {
		terms = append(terms, splitPatterns(p)...)
	}
	var regular, and, not []string
	for _, t := range terms {
		switch {
		case strings.HasPrefix(t, "&"):
			and = append(and, t[1:])
		case strings.HasPrefix(t, "!"):
			not = append(not, t[1:])
		default:
			regular = append(regular, t)
		}
	}
	if len(regular) == 0 {
		regular = []string{AllGroup}
	}
	picked := map[string]bool{}
	for _, t := range regular {
		names, err := inv.matchTerm(t)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			picked[n] = true
		}
	}
	for _, t := range and {
		names, err := inv.matchTerm(t)
		if err != nil {
			return nil, err
		}
		keep := map[string]bool{}
		for _, n := range names {
			if picked[n] {
				keep[n] = true
			}
		}
		picked = keep
	}
	for _, t := range not {
		names, err := inv.matchTerm(t)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			delete(picked, n)
		}
	}
	out := make([]*Host, 0, len(picked))
	for _, n := range inv.hostOrder {
		if picked[n] {
			out = append(out, inv.Hosts[n])
		}
	}
	return out, nil
}

// splitPatterns splits "a,b" and "a:b:!c", keeping IPv6 addresses and
// bracketed subscripts whole.
func splitPatterns(p string) []string {
	var out []string
	for _, part := range strings.Split(p, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.HasPrefix(part, "~") || net.ParseIP(strings.TrimLeft(part, "!&")) != nil {
			out = append(out, part)
			continue
		}
		depth, start := 0, 0
		for i, c := range part {
			switch c {
			case '[':
				depth++
			case ']':
				depth--
			case ':':
				if depth == 0 {
					if s := strings.TrimSpace(part[start:i]); s != "" {
						out = append(out, s)
					}
					start = i + 1
				}
			}
		}
		if s := strings.TrimSpace(part[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var subscriptRe = regexp.MustCompile(`^(.+)\[(-?[0-9]+)(?:(:)(-?[0-9]*))?\]$`)

// matchTerm returns the host names one term (without & or !) matches, in
// declaration order.
func (inv *Inventory) matchTerm(term string) ([]string, error) {
	if term == "" {
		return nil, fmt.Errorf("empty host pattern")
	}
	base := term
	var sub []string
	if !strings.HasPrefix(term, "~") {
		if m := subscriptRe.FindStringSubmatch(term); m != nil {
			base, sub = m[1], m[2:]
		}
	}
	names, err := inv.enumerate(base)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		hint := ""
		if c := didyoumean.Suggest(base, inv.patternNames()); c != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", c)
		}
		return nil, fmt.Errorf("host pattern %q matches no host or group%s", term, hint)
	}
	if sub == nil {
		return names, nil
	}
	start, _ := strconv.Atoi(sub[0])
	if start < 0 {
		start += len(names)
	}
	end := start
	if sub[1] == ":" {
		end = len(names) - 1
		if sub[2] != "" {
			end, _ = strconv.Atoi(sub[2])
			if end < 0 {
				end += len(names)
			}
		}
	}
	if start < 0 || start >= len(names) || end < start || end >= len(names) {
		return nil, fmt.Errorf("host pattern %q: subscript out of range (%q has %d hosts)", term, base, len(names))
	}
	return names[start : end+1], nil
}

// enumerate matches groups first, then hosts when no group matched or the
// pattern is a glob or regular expression, as Ansible does.
func (inv *Inventory) enumerate(pattern string) ([]string, error) {
	match, err := matcher(pattern)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	groupMatched := false
	if pattern == "*" {
		pattern = AllGroup
		match = func(s string) bool { return s == AllGroup }
	}
	for name, g := range inv.Groups {
		if match(name) {
			groupMatched = true
			for _, h := range g.Hosts {
				set[h] = true
			}
		}
	}
	if !groupMatched || strings.HasPrefix(pattern, "~") || strings.ContainsAny(pattern, ".?*[") {
		for name, h := range inv.Hosts {
			if !h.Implicit && match(name) {
				set[name] = true
			}
		}
	}
	if len(set) == 0 {
		if h, ok := inv.Hosts[LocalhostName]; ok && h.Implicit && (pattern == LocalhostName || pattern == "127.0.0.1" || pattern == "::1") {
			set[LocalhostName] = true
		}
	}
	out := make([]string, 0, len(set))
	for _, n := range inv.hostOrder {
		if set[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

func matcher(pattern string) (func(string) bool, error) {
	if strings.HasPrefix(pattern, "~") {
		re, err := regexp.Compile("^(?:" + pattern[1:] + ")")
		if err != nil {
			return nil, fmt.Errorf("host pattern %q: invalid regular expression: %v", pattern, err)
		}
		return re.MatchString, nil
	}
	if !strings.ContainsAny(pattern, "*?[") {
		return func(s string) bool { return s == pattern }, nil
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("host pattern %q: invalid glob: %v", pattern, err)
	}
	return func(s string) bool {
		ok, _ := path.Match(pattern, s)
		return ok
	}, nil
}

func (inv *Inventory) patternNames() []string {
	out := make([]string, 0, len(inv.Hosts)+len(inv.Groups))
	for n := range inv.Groups {
		out = append(out, n)
	}
	for n := range inv.Hosts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
