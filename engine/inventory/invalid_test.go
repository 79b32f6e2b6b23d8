package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

var wantLine = regexp.MustCompile(`^# want: (.+) @ (\d+):(\d+)$`)

// TestLoadInvalid loads every file under testdata/invalid. Each names the
// errors it must produce in "# want: SUMMARY @ LINE:COL" lines at its top
// (or in NAME.want beside it, for files that cannot hold a comment); the
// errors must be exactly those, pointing into that file.
func TestLoadInvalid(t *testing.T) {
	entries, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasSuffix(name, ".want") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata/invalid", name)
			want := readWants(t, path)
			if len(want) == 0 {
				t.Fatalf("%s has no '# want:' line", path)
			}
			_, diags := LoadWith(testSources(), path)
			var got []string
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				if d.Subject == nil {
					t.Errorf("diagnostic without a range: %s", diagLine(d))
					continue
				}
				if d.Subject.Filename != path {
					t.Errorf("diagnostic points at %q, not %q: %s", d.Subject.Filename, path, diagLine(d))
				}
				got = append(got, fmt.Sprintf("%s @ %d:%d", d.Summary, d.Subject.Start.Line, d.Subject.Start.Column))
				if d.Detail == "" {
					t.Errorf("diagnostic without detail: %s", diagLine(d))
				}
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				var all []string
				for _, d := range diags {
					all = append(all, diagLine(d))
				}
				t.Errorf("errors differ\nwant:\n  %s\ngot:\n  %s\nall diagnostics:\n  %s",
					strings.Join(want, "\n  "), strings.Join(got, "\n  "), strings.Join(all, "\n  "))
			}
		})
	}
	if n < 12 {
		t.Fatalf("only %d invalid cases", n)
	}
}

func readWants(t *testing.T, path string) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := os.ReadFile(strings.TrimSuffix(path, filepath.Ext(path)) + ".want"); err == nil {
		src = w
	}
	var out []string
	for _, l := range strings.Split(string(src), "\n") {
		if m := wantLine.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			out = append(out, fmt.Sprintf("%s @ %s:%s", m[1], m[2], m[3]))
		}
	}
	sort.Strings(out)
	return out
}
