package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/core"
)

// FuzzExtraVars feeds -e values as an operator types them (NAME=VALUE
// pairs, inline JSON or YAML, @FILE): they split into pairs without losing
// a word, and resolving them against a runbook gives values or
// diagnostics, never a panic.
func FuzzExtraVars(f *testing.F) {
	for _, s := range []string{"a=1 b=2", "msg=hello world", `{"port": 8080, "hosts": ["a"]}`, "{port: [", "@/nonexistent.yml", "=x", "a==b c", "  ", "port=1e9999 debug=maybe", "-x=1 msg=a=b"} {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`
variable "msg" {
  type    = string
  default = ""
}
variable "port" {
  type    = number
  default = 1
}
variable "debug" {
  type    = bool
  default = false
}
variable "hosts" {
  type    = list(string)
  default = []
}
task "t" {
  debug {
    msg = "${var.msg} ${var.port} ${var.debug} ${join(",", var.hosts)}"
  }
}
`), 0o600); err != nil {
		f.Fatal(err)
	}
	loaded, diags := core.Load(core.LoadOptions{Dir: dir, Registry: registry()})
	if diags.HasErrors() {
		f.Fatal(diags.Error())
	}
	f.Fuzz(func(t *testing.T, e string) {
		if got, want := strings.Join(splitExtraVars(e), " "), strings.Join(strings.Fields(e), " "); got != want {
			t.Errorf("splitExtraVars(%q) lost words: %q", e, got)
		}
		fl := &commonFlags{extraVars: []string{e}}
		for _, d := range loaded.CheckValues(core.Options{Vars: fl.varValues(), Check: true}) {
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %#v", d)
			}
		}
	})
}
