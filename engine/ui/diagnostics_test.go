package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/runbook-dev/runbook/engine/event"
)

// loadDiagnostics parses testdata/diag/main.hcl and decodes it against a
// small schema, collecting real hcl diagnostics plus a few made by hand for
// the cases hcl does not produce here.
func loadDiagnostics(t *testing.T) (hcl.Diagnostics, map[string]*hcl.File) {
	t.Helper()
	const name = "main.hcl"
	src, err := os.ReadFile(filepath.Join("testdata", "diag", name))
	if err != nil {
		t.Fatal(err)
	}
	file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing: %s", diags)
	}
	files := map[string]*hcl.File{name: file}

	root, _ := file.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "runbook"}, {Type: "task", LabelNames: []string{"name"}},
	}})
	var out hcl.Diagnostics
	for _, block := range root.Blocks.OfType("task") {
		content, more := block.Body.Content(&hcl.BodySchema{
			Attributes: []hcl.AttributeSchema{{Name: "hosts"}, {Name: "run_once"}, {Name: "depends_on"}},
			Blocks:     []hcl.BlockHeaderSchema{{Type: "ini"}},
		})
		out = append(out, more...)
		for _, ini := range content.Blocks {
			_, more := ini.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "path"}, {Name: "section"}}})
			out = append(out, more...)
		}
		if attr, ok := content.Attributes["run_once"]; ok {
			out = append(out, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Incorrect attribute value type",
				Detail:   "Inappropriate value for attribute \"run_once\": a bool is required. A rather long explanation follows so that the detail has to be wrapped at the width the renderer was given, which is sixty columns here.",
				Subject:  attr.Expr.Range().Ptr(),
				Context:  attr.Range.Ptr(),
			})
		}
		if attr, ok := content.Attributes["depends_on"]; ok {
			out = append(out, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Redundant depends_on",
				Detail:   "Every reference is already a dependency.",
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
	}
	eof := hcl.Pos{Line: 19, Column: 2, Byte: len(src)}
	out = append(out,
		&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty range", Detail: "Marks one column.",
			Subject: &hcl.Range{Filename: name, Start: eof, End: eof}},
		&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Source not loaded",
			Subject: &hcl.Range{Filename: "other.hcl", Start: hcl.Pos{Line: 3, Column: 5}, End: hcl.Pos{Line: 3, Column: 9}}},
		&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "No tasks selected", Detail: "The tags matched nothing."},
	)
	return out, files
}

func TestWriteDiagnosticsGolden(t *testing.T) {
	diags, files := loadDiagnostics(t)
	for _, tt := range []struct {
		golden string
		color  bool
	}{
		{"diagnostics.golden", false},
		{"diagnostics_color.golden", true},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, diags, files, tt.color, 60); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.golden, buf.Bytes())
		})
	}
}

// TestDiagnosticsFirstLineParsable checks every diagnostic with a source
// location opens with file:line:col, as editors expect.
func TestDiagnosticsFirstLineParsable(t *testing.T) {
	diags, files := loadDiagnostics(t)
	located := regexp.MustCompile(`^(\S+):(\d+):(\d+): (Error|Warning): (.+)$`)
	for _, d := range diags {
		var buf bytes.Buffer
		if err := WriteDiagnostics(&buf, hcl.Diagnostics{d}, files, false, 0); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(buf.String(), "\n")
		if d.Subject == nil {
			if first != "Warning: "+d.Summary {
				t.Errorf("first line %q, want the bare summary", first)
			}
			continue
		}
		m := located.FindStringSubmatch(first)
		if m == nil {
			t.Errorf("first line %q is not file:line:col: Severity: summary", first)
			continue
		}
		if want := []string{d.Subject.Filename, strconv.Itoa(d.Subject.Start.Line), strconv.Itoa(d.Subject.Start.Column), d.Summary}; m[1] != want[0] || m[2] != want[1] || m[3] != want[2] || m[5] != want[3] {
			t.Errorf("first line %q, want %v", first, want)
		}
	}
}

func TestDiagnosticEvent(t *testing.T) {
	diags, files := loadDiagnostics(t)
	evs := event.NewDiagnostics(diags, files)
	if len(evs) != len(diags) {
		t.Fatalf("%d events for %d diagnostics", len(evs), len(diags))
	}
	var unsupported *event.Diagnostic
	for i := range evs {
		if evs[i].Summary == "Unsupported argument" {
			unsupported = &evs[i]
		}
	}
	if unsupported == nil {
		t.Fatal("no Unsupported argument diagnostic")
	}
	want := event.Diagnostic{
		Severity: "error", Summary: "Unsupported argument",
		Detail:   unsupported.Detail,
		Filename: "main.hcl", Line: 9, Column: 5, EndLine: 9, EndColumn: 12,
		Context: `task "trove_conf"`, Snippet: `    sectoin = "DEFAULT"`, SnippetLine: 9,
	}
	if *unsupported != want {
		t.Fatalf("event\n got %#v\nwant %#v", *unsupported, want)
	}
	if !strings.Contains(want.Detail, `"sectoin"`) {
		t.Fatalf("detail %q does not name the argument", want.Detail)
	}
}

func TestJSONDiagnosticsGolden(t *testing.T) {
	diags, files := loadDiagnostics(t)
	var buf bytes.Buffer
	NewJSON(&buf).WithClock(fixedClock()).Diagnostics(diags, files)
	assertGolden(t, "diagnostics_json.golden", buf.Bytes())
}

// TestHumanDiagnosticEvent renders a diagnostic that arrived as an event
// the same way WriteDiagnostics renders the hcl diagnostic.
func TestHumanDiagnosticEvent(t *testing.T) {
	diags, files := loadDiagnostics(t)
	var direct, viaEvents, viaView bytes.Buffer
	if err := WriteDiagnostics(&direct, diags, files, false, 60); err != nil {
		t.Fatal(err)
	}
	h := NewHuman(&viaEvents, Options{Width: 60})
	for _, ev := range event.NewDiagnostics(diags, files) {
		h.Emit(ev)
	}
	NewHuman(&viaView, Options{Width: 60}).Diagnostics(diags, files)
	if direct.String() != viaEvents.String() || direct.String() != viaView.String() {
		t.Fatalf("renderings differ:\n%s\n---\n%s\n---\n%s", direct.String(), viaEvents.String(), viaView.String())
	}
}

func TestWriteDiagnosticsError(t *testing.T) {
	diags, files := loadDiagnostics(t)
	if err := WriteDiagnostics(failingWriter{}, diags, files, false, 80); err == nil {
		t.Fatal("no error from a failing writer")
	}
}
