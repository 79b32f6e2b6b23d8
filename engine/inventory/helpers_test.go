package inventory

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeSource stands for a dynamic source (the OpenStack one lists Trove
// instances): it returns two hosts per cloud, or fails on cloud "broken".
type fakeSource struct{}

func (fakeSource) Spec() hcldec.Spec {
	return &hcldec.ObjectSpec{
		"cloud": &hcldec.AttrSpec{Name: "cloud", Type: cty.String, Required: true},
	}
}

func (fakeSource) Hosts(ctx context.Context, args cty.Value) ([]SourceHost, error) {
	cloud := args.GetAttr("cloud").AsString()
	if cloud == "broken" {
		return nil, fmt.Errorf("cloud %q: 503 Service Unavailable (request id req-1234)", cloud)
	}
	return []SourceHost{
		{Name: cloud + "-db1", Address: "10.20.0.5", Groups: []string{"mysql"},
			Vars: map[string]cty.Value{"instance_id": cty.StringVal("0b7c-1"), "datastore": cty.StringVal("mysql-8.0")}},
		{Name: cloud + "-db2", Address: "10.20.0.6", Vars: map[string]cty.Value{"instance_id": cty.StringVal("0b7c-2")}},
	}, nil
}

func testSources() map[string]Source { return map[string]Source{"fake_trove": fakeSource{}} }

// casePaths reads the paths a valid case loads (one per line in its
// "paths" file, relative to the case folder).
func casePaths(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "paths"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, filepath.Join(dir, l))
		}
	}
	return out
}

func diagLine(d *hcl.Diagnostic) string {
	sev := "Error"
	if d.Severity == hcl.DiagWarning {
		sev = "Warning"
	}
	at := ""
	if d.Subject != nil {
		at = fmt.Sprintf(" @ %s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return fmt.Sprintf("%s: %s: %s%s", sev, d.Summary, d.Detail, at)
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the result (go test -update rewrites it):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	n := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			fmt.Fprintf(&sb, "line %d:\n  want %s\n  got  %s\n", i+1, a, b)
			if n++; n > 10 {
				break
			}
		}
	}
	return sb.String()
}
