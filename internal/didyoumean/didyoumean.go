// Package didyoumean owns the one "did you mean" rule of the project: given
// a name that does not exist and the names that do, it picks the one the
// writer most likely meant. Every diagnostic that suggests a name (module
// names, arguments, references, inventory keys) asks it.
package didyoumean

import (
	"strings"

	"github.com/agext/levenshtein"
)

// Suggest returns the candidate closest to name, or "" when none is close
// enough to be worth saying. In order of preference:
//   - the same name in another case;
//   - an abbreviation: the candidate starts with the same letter and holds
//     every letter of name in order (cmd -> command, pkg -> package);
//   - a shared stem: name and the candidate share a prefix of at least four
//     letters that is most of name (retry -> retries, handle -> handler);
//   - a typo: an edit distance of at most 2 (a third of name for long ones).
//
// Within a tier the shortest distance wins, then the first candidate.
func Suggest(name string, candidates []string) string {
	if name == "" || len(name) > 128 {
		return ""
	}
	best, bestTier, bestDist := "", 5, 1<<30
	lower := strings.ToLower(name)
	maxEdit := max(2, len(name)/3)
	for _, c := range candidates {
		if c == name || c == "" || len(c) > 128 {
			continue
		}
		lc := strings.ToLower(c)
		d := levenshtein.Distance(lower, lc, nil)
		tier := 5
		switch {
		case lc == lower:
			tier = 0
		case len(lower) >= 2 && lower[0] == lc[0] && len(lower) < len(lc) && isSubsequence(lower, lc):
			tier = 1
		case commonPrefix(lower, lc) >= max(4, len(lower)-2):
			tier = 2
		case d <= maxEdit && d < len(lower):
			tier = 3
		}
		if tier < bestTier || (tier == bestTier && tier < 5 && d < bestDist) {
			best, bestTier, bestDist = c, tier, d
		}
	}
	if bestTier == 5 {
		return ""
	}
	return best
}

// Sentence is Suggest as the end of a diagnostic detail: ` Did you mean
// "x"?` with a leading space, or "".
func Sentence(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return ` Did you mean "` + s + `"?`
	}
	return ""
}

func isSubsequence(short, long string) bool {
	i := 0
	for j := 0; i < len(short) && j < len(long); j++ {
		if short[i] == long[j] {
			i++
		}
	}
	return i == len(short)
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
