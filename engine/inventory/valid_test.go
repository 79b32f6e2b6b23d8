package inventory

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadValid loads every case under testdata/valid and compares the
// merged inventory (hosts, endpoints, groups, vars) and its warnings with
// testdata/valid/NAME.golden.json.
func TestLoadValid(t *testing.T) {
	entries, err := os.ReadDir("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata/valid", name)
			inv, diags := LoadWith(testSources(), casePaths(t, dir)...)
			warnings := []string{}
			for _, d := range diags {
				warnings = append(warnings, diagLine(d))
			}
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%v", warnings)
			}
			got, err := json.MarshalIndent(struct {
				Inventory   *Inventory `json:"inventory"`
				Diagnostics []string   `json:"diagnostics"`
			}{inv, warnings}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata/valid", name+".golden.json"), append(got, '\n'))
		})
	}
	if n < 5 {
		t.Fatalf("only %d valid cases found", n)
	}
}
