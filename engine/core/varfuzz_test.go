package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// varsRunbook declares variables of many types, two of them sensitive.
const varsRunbook = `
variable "name" {
  type = string
}
variable "port" {
  type    = number
  default = 8779
  validation {
    condition     = var.port > 0 && var.port < 65536
    error_message = "A port is 1-65535."
  }
}
variable "debug" {
  type    = bool
  default = false
}
variable "hosts" {
  type    = list(string)
  default = []
}
variable "limits" {
  type    = map(number)
  default = {}
}
variable "settings" {
  type    = object({ a = string, b = optional(number, 1) })
  default = { a = "x" }
}
variable "anything" {
  type    = any
  default = null
}
variable "token" {
  type      = number
  sensitive = true
  default   = 1
}
variable "password" {
  type      = string
  sensitive = true
  default   = "default-pw"
  validation {
    condition     = length(var.password) >= 8
    error_message = "The password is ${var.password}, too short."
  }
}
task "t" {
  noop {
    message = "${var.name} ${var.port} ${var.password}"
  }
}
`

// FuzzVarValues feeds values of variables as the command line and the
// environment give them (--var NAME=VALUE, RUNBOOK_VAR_NAME, -e with
// YAML or JSON, a --var-file in HCL): whatever they are, resolving them
// gives values or diagnostics, never a panic, and no diagnostic shows a
// value given to a sensitive variable.
func FuzzVarValues(f *testing.F) {
	for _, s := range []struct {
		which        uint8
		val, environ string
		doc          string
	}{
		{0, "42", "RUNBOOK_VAR_name=x", "name: web\nport: 8080\n"},
		{1, "short", "RUNBOOK_VAR_debug=true", `{"hosts": ["a", "b"], "limits": {"a": 1}}`},
		{2, "not a number", "RUNBOOK_VAR_port=abc", "settings = { a = \"y\" }\n"},
		{3, "[1, 2", "RUNBOOK_VAR_token=${x}", "token = \"pw\"\npassword = 12\n"},
		{0, "{a = }", "RUNBOOK_VAR_settings={ a = 1, c = 2 }", "---\n- a\n- b\n"},
		{1, "ok-long-password", "RUNBOOK_VAR_=x\nRUNBOOK_VAR_anything=[{}]", "anything: !!binary AAAA\n"},
		{2, "1e999999999", "=", "port = 1/0\n"},
		{3, "\x00\xff", "RUNBOOK_VAR_hosts=\"a\"", "name = upper(1)\n"},
	} {
		f.Add(s.which, s.val, s.environ, []byte(s.doc))
	}
	dir := f.TempDir()
	rbDir := filepath.Join(dir, "runbook")
	if err := os.MkdirAll(rbDir, 0o700); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rbDir, "main.hcl"), []byte(varsRunbook), 0o600); err != nil {
		f.Fatal(err)
	}
	loaded, diags := Load(LoadOptions{Dir: rbDir, Registry: stubRegistry()})
	if diags.HasErrors() {
		f.Fatal(diags.Error())
	}
	varFile := filepath.Join(dir, "fuzz.vars.hcl")
	f.Fuzz(func(t *testing.T, which uint8, val, environ string, doc []byte) {
		secret := "zq" + val + "qz" // what goes to a sensitive variable, recognisably
		vv := VarValues{Env: EnvVars(strings.Split(environ, "\n")), Documents: []VarDocument{{Name: "-e", Src: doc}}}
		switch which % 4 {
		case 0:
			vv.Flags = []string{"name=" + val, "token=" + secret}
		case 1:
			vv.Flags = []string{"name=x", "password=" + secret, "port=" + val}
		case 2:
			vv.Flags = []string{"name=" + val, "settings=" + val, "hosts=" + val, "limits=" + val, "anything=" + val}
		case 3:
			vv.Env["token"] = secret
			vv.Env["name"] = val
		}
		if err := os.WriteFile(varFile, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		vv.Files = []string{varFile}
		for _, d := range loaded.CheckValues(Options{Vars: vv, Check: true}) {
			if d.Summary == "" {
				t.Errorf("diagnostic without a summary: %#v", d)
			}
			if which%4 != 2 && (strings.Contains(d.Summary, secret) || strings.Contains(d.Detail, secret)) {
				t.Errorf("a diagnostic shows the value of a sensitive variable: %s", d.Error())
			}
		}
	})
}
