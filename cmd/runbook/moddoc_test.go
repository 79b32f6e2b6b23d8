package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
)

// Every module documents every argument its schema accepts, its example
// decodes against that schema, and docs/modules is up to date.
func TestModuleDocs(t *testing.T) {
	reg := registry()
	for _, name := range reg.Names() {
		m, _ := reg.Get(name)
		s := m.Schema()
		if s.Summary == "" || s.Doc == "" || s.Example == "" {
			t.Errorf("%s: summary, doc and example are all needed", name)
		}
		for _, arg := range argNames(s.Args) {
			if !strings.Contains(s.Doc, arg) {
				t.Errorf("%s: the doc does not mention the argument %q", name, arg)
			}
		}
		page := modulePage(name, m)
		// The generated schema table has a row for every argument the
		// schema accepts, whatever spec wraps it (argv of command and
		// owner of template are behind a ValidateSpec).
		implied := hcldec.ImpliedSchema(s.Args)
		for _, a := range implied.Attributes {
			if !strings.Contains(page, "| `"+a.Name+"`") {
				t.Errorf("%s: the generated schema table has no row for %q", name, a.Name)
			}
		}
		for _, b := range implied.Blocks {
			arg := b.Type
			if !strings.Contains(page, "| `"+arg+" { }`") {
				t.Errorf("%s: the generated schema table has no row for %q", name, arg)
			}
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "docs", "modules", name+".md"))
		if err != nil || string(want) != page {
			t.Errorf("docs/modules/%s.md is missing or stale: run `go run ./cmd/runbook modules --write-docs docs/modules`", name)
		}
		// The example is a whole task: its module block must decode.
		if !strings.Contains(s.Example, name+" {") {
			t.Errorf("%s: the example does not use the module", name)
		}
	}
}
