package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// Tests of issue 12: the habits an operator brings from Ansible and
// Terraform, and the small things that got in their way.

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const echoVarsRunbook = `
variable "release" {
  type = string
}
variable "ports" {
  type    = list(number)
  default = []
}
variable "msg" {
  type    = string
  default = ""
}
task "show" {
  debug {
    msg = "${var.release} ${join(",", var.ports)} ${var.msg}"
  }
}
`

// Ansible's -e in its three forms, and YAML and JSON var files.
func TestAnsibleExtraVarsAndVarFileFormats(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"rb/main.hcl":       echoVarsRunbook,
		"values.yml":        "release: zed\nports:\n  - 80\n  - 443\n",
		"values.json":       `{"release": "yoga", "ports": [8080]}`,
		"prod.vars.hcl":     "release = \"xena\"\n",
		"broken.yml":        "release: zed\nports: [1, 2\nmsg: x\n",
		"values-yaml.hcl":   "release: zed\n",
		"values-json.hcl":   `{"release": "zed"}`,
		"unknown.yaml":      "relase: zed\n",
		"rb2/main.hcl":      echoVarsRunbook,
		"rb2/prod.vars.hcl": "release = \"in the folder\"\n",
	})
	rb := filepath.Join(dir, "rb")
	reason := func(r runOut) string {
		ev := r.event("task_finished", "task.show")
		if ev == nil {
			t.Fatalf("no result for task.show: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		return ev["reason"].(string)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-e", "release=zed"}, "zed  "},
		{[]string{"-e", "release=zed msg=hello world"}, "zed  hello world"},
		{[]string{"-e", "release=zed", "-e", "ports=[1, 2]"}, "zed 1,2 "},
		{[]string{"-e", `{"release": "wallaby", "ports": [22]}`}, "wallaby 22 "},
		{[]string{"-e", "@" + filepath.Join(dir, "values.yml")}, "zed 80,443 "},
		{[]string{"--var-file", filepath.Join(dir, "values.yml")}, "zed 80,443 "},
		{[]string{"--var-file", filepath.Join(dir, "values.json")}, "yoga 8080 "},
		{[]string{"--var-file", filepath.Join(dir, "prod.vars.hcl")}, "xena  "},
		// -e wins over a var file, as extra vars do in Ansible.
		{[]string{"-e", "release=zed", "--var-file", filepath.Join(dir, "values.json")}, "zed 8080 "},
	} {
		r := run(t, nil, append(append([]string{"run", "--json"}, tt.args...), rb)...)
		if got := reason(r); r.code != exitOK || got != tt.want {
			t.Errorf("%v: exit %d, printed %q, want %q\n%s", tt.args, r.code, got, tt.want, r.stderr)
		}
	}
	// A var file beside the runbook, named *.vars.hcl, is not part of it.
	r := run(t, nil, "run", "--json", "--var-file", filepath.Join(dir, "rb2", "prod.vars.hcl"), filepath.Join(dir, "rb2"))
	if got := reason(r); got != "in the folder  " {
		t.Errorf("a .vars.hcl file in the runbook folder: %q, exit %d\n%s", got, r.code, r.stdout)
	}
	// Errors point at the line and say what to do.
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"broken.yml", []string{"broken.yml:2:1", "Invalid YAML", "broken.yml, line 2: did not find expected ',' or ']'"}},
		{"values-yaml.hcl", []string{"looks like YAML", ".yaml or .yml"}},
		{"values-json.hcl", []string{"looks like JSON", ".json"}},
		{"unknown.yaml", []string{"unknown.yaml:1:1", `no variable named "relase"`, `Did you mean "release"?`}},
	} {
		r := run(t, nil, "run", "--var-file", filepath.Join(dir, tt.file), rb)
		out := strings.Join(strings.Fields(r.stdout+r.stderr), " ")
		for _, w := range tt.want {
			if r.code != exitError || !strings.Contains(out, w) {
				t.Errorf("--var-file %s: exit %d, lacks %q:\n%s%s", tt.file, r.code, w, r.stdout, r.stderr)
			}
		}
	}
}

// A stray var file or inventory in the runbook folder gets one diagnostic
// that says what it looks like, not five "not expected here".
func TestStrayFilesInTheRunbookFolder(t *testing.T) {
	for name, tt := range map[string]struct {
		file string
		want []string
	}{
		"var file":  {"my.hcl", []string{"Not a runbook file", "looks like a variables file", "my.vars.hcl", "--var-file"}},
		"inventory": {"hosts.hcl", []string{"Not a runbook file", "looks like an inventory", "-i hosts.hcl"}},
	} {
		t.Run(name, func(t *testing.T) {
			body := "release = \"zed\"\nports = [1]\n"
			if name == "inventory" {
				body = "host \"a\" {\n  address = \"127.0.0.1\"\n}\nhost \"b\" {\n  address = \"127.0.0.2\"\n}\ngroup \"web\" {\n  hosts = [\"a\", \"b\"]\n}\ngroup \"db\" {\n  hosts = [\"a\"]\n}\n"
			}
			dir := writeFiles(t, map[string]string{"main.hcl": echoVarsRunbook, tt.file: body})
			r := run(t, nil, "validate", dir)
			out := r.stdout + r.stderr
			for _, w := range tt.want {
				if r.code != exitError || !strings.Contains(out, w) {
					t.Errorf("exit %d, lacks %q:\n%s", r.code, w, out)
				}
			}
			if n := strings.Count(out, "Error:"); n != 1 {
				t.Errorf("%d errors, want 1:\n%s", n, out)
			}
		})
	}
}

// -l, -t, -vv and -vvv as in Ansible; -check still as in Terraform.
func TestAnsibleShortFlags(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "-i", "testdata/fleet.inventory.hcl", "-t", "config", "-l", "w1,w3", "--var", "dir="+dir, "testdata/tags")
	if r.code != exitChanges {
		t.Fatalf("-t -l: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != "always config-w1 config-w3" {
		t.Fatalf("-t config -l w1,w3 made %v", got)
	}
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "hello" {
  command {
    argv = ["echo", "hello from the task"]
  }
}
`})
	out := map[string]string{}
	for _, v := range []string{"", "-v", "-vv", "-vvv"} {
		args := []string{"run", "--no-color"}
		if v != "" {
			args = append(args, v)
		}
		r := run(t, nil, append(args, rb)...)
		if r.code != exitChanges {
			t.Fatalf("run %s: exit %d\n%s%s", v, r.code, r.stdout, r.stderr)
		}
		out[v] = r.stdout
	}
	has := func(v, s string) bool { return strings.Contains(out[v], s) }
	for _, c := range []struct {
		v, s string
		want bool
	}{
		{"", "hello from the task", false},
		{"-v", "task.hello localhost | hello from the task", true},
		{"-v", "start", false},
		{"-vv", "start           task.hello", false},
		{"-vv", "main.hcl:2)", true},
		{"-vv", "connect localhost", false},
		{"-vvv", "connect localhost: local", true},
		{"-vvv", "$ echo 'hello from the task'  [rc=0", true},
	} {
		if has(c.v, c.s) != c.want {
			t.Errorf("run %s: contains %q = %v, want %v:\n%s", c.v, c.s, !c.want, c.want, out[c.v])
		}
	}
	if r := run(t, nil, "fmt", "-check", rb); r.code != exitOK {
		t.Errorf("fmt -check (Terraform's single dash): exit %d %s", r.code, r.stderr)
	}
}

// --version names the module version and the commit.
func TestVersion(t *testing.T) {
	r := run(t, nil, "--version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "runbook ") || !strings.Contains(r.stdout, "go1.") {
		t.Fatalf("--version: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		if rev := strings.TrimSpace(string(head)); !strings.Contains(r.stdout, "commit "+rev) {
			t.Errorf("--version %q does not name the commit %s", r.stdout, rev)
		}
	}
}

// --list-tasks and --list-hosts print the plan and run nothing; --step
// asks before each task; --start-at-task skips what is declared before.
func TestListStepAndStartAt(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--list-tasks", "--list-hosts", "-i", "testdata/fleet.inventory.hcl", "-t", "config", "-l", "w1", "--var", "dir="+dir, "testdata/tags")
	if r.code != exitOK {
		t.Fatalf("--list-tasks: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Fatalf("--list-tasks ran tasks: %v", entries)
	}
	for _, w := range []string{"hosts (2):\n  localhost\n  w1\n", "tasks:\n", "task.config  TAGS: [config]  on w1", "task.always"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("--list-tasks --list-hosts lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "task.restart") {
		t.Errorf("--list-tasks lists a task --tags left out:\n%s", r.stdout)
	}

	rb := writeFiles(t, map[string]string{"main.hcl": `
variable "dir" {
  type = string
}
task "first" {
  command {
    argv    = ["touch", "${var.dir}/first"]
    creates = "${var.dir}/first"
  }
}
task "second" {
  command {
    argv    = ["touch", "${var.dir}/second"]
    creates = "${var.dir}/second"
  }
  depends_on = [task.first]
}
task "third" {
  command {
    argv    = ["touch", "${var.dir}/third"]
    creates = "${var.dir}/third"
  }
  depends_on = [task.second]
}
`})
	files := func(d string) string {
		entries, _ := os.ReadDir(d)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return strings.Join(names, " ")
	}
	// --step: no to first, yes to second, continue at third.
	d := t.TempDir()
	cmd := exec.Command(binary, "run", "--step", "--var", "dir="+d, rb)
	cmd.Stdin = strings.NewReader("n\ny\nc\n")
	out, _ := cmd.CombinedOutput()
	if got := files(d); got != "second third" {
		t.Errorf("--step n, y, c made %q:\n%s", got, out)
	}
	if n := strings.Count(string(out), "Perform task"); n != 3 {
		t.Errorf("--step asked %d times, want 3:\n%s", n, out)
	}
	// --start-at-task: first is not run.
	d = t.TempDir()
	r = run(t, nil, "run", "--start-at-task", "second", "--var", "dir="+d, rb)
	if got := files(d); got != "second third" {
		t.Errorf("--start-at-task second made %q:\n%s", got, r.stdout)
	}
	r = run(t, nil, "run", "--start-at-task", "secnd", "--var", "dir="+d, rb)
	if r.code != exitError || !strings.Contains(r.stdout, `Did you mean "second"?`) {
		t.Errorf("--start-at-task with a typo: exit %d\n%s", r.code, r.stdout)
	}
}

// A mistyped tag is an error listing the known tags, not "No changes.".
func TestUnknownTagIsAnError(t *testing.T) {
	r := run(t, nil, "run", "-i", "testdata/fleet.inventory.hcl", "--tags", "confg", "--var", "dir="+t.TempDir(), "testdata/tags")
	out := strings.Join(strings.Fields(r.stdout), " ")
	if r.code != exitError || !strings.Contains(out, `Unknown tag "confg"`) || !strings.Contains(out, `Did you mean "config"?`) ||
		!strings.Contains(out, "The tags are: always, config, restart.") {
		t.Fatalf("--tags confg: exit %d\n%s", r.code, r.stdout)
	}
}

// The debug module prints a value and changes nothing.
func TestDebugModule(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
variable "token" {
  type      = string
  default   = "s3cr3t-value"
  sensitive = true
}
task "list" {
  command {
    argv = ["printf", "a\nb"]
  }
}
task "show" {
  debug {
    msg = split("\n", task.list.outputs.stdout)
  }
}
task "secret" {
  debug {
    msg = "token is ${var.token}"
  }
}
`})
	r := run(t, nil, "run", "--json", rb)
	if ev := r.event("task_finished", "task.show"); ev == nil || ev["status"] != "ok" || ev["reason"] != `["a","b"]` {
		t.Errorf("debug of a list: %v", ev)
	}
	if ev := r.event("task_finished", "task.secret"); ev == nil || ev["reason"] != "(sensitive)" || strings.Contains(r.stdout, "s3cr3t") {
		t.Errorf("debug of a secret: %v\n%s", ev, r.stdout)
	}
	if r := run(t, nil, "modules", "debug"); !strings.Contains(r.stdout, "# debug") {
		t.Errorf("modules debug: %s", r.stdout)
	}
}

// Did-you-mean finds the obvious: cmd -> command, retry -> retries.
func TestDidYouMean(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "x" {
  cmd {
    argv = ["true"]
  }
}
task "y" {
  retry = 3
  command {
    argv = ["true"]
  }
}
`})
	r := run(t, nil, "validate", rb)
	for _, w := range []string{`Unknown module "cmd"`, `Did you mean "command"?`, `An argument named "retry" is not expected here. Did you mean "retries"?`} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("lacks %q:\n%s", w, r.stdout)
		}
	}
}

// length("abc"), alltrue and anytrue, as in Terraform.
func TestTerraformFunctions(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "f" {
  debug {
    msg = "${length("abc")} ${alltrue([true, length([1]) == 1])} ${anytrue([false])}"
  }
}
`})
	r := run(t, nil, "run", "--json", rb)
	if ev := r.event("task_finished", "task.f"); ev == nil || ev["reason"] != "3 true false" {
		t.Fatalf("functions: exit %d %v\n%s", r.code, ev, r.stdout)
	}
}

// help shows no backticked word as a flag's argument.
func TestHelpTextHasNoStrayFlagArguments(t *testing.T) {
	r := run(t, nil, "help", "run")
	if strings.Contains(r.stdout, "--check runbook check") {
		t.Errorf("help run shows an argument for --check:\n%s", r.stdout)
	}
	root := newRoot()
	for _, c := range append(root.Commands(), root) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: a backtick in the usage becomes the flag's argument name in help", c.Name(), f.Name)
			}
		})
	}
}

// graph --json prints JSON, validate --json says it is valid.
func TestJSONOfGraphAndValidate(t *testing.T) {
	r := run(t, nil, "graph", "--json", "testdata/handler")
	var g struct {
		Nodes []string            `json:"nodes"`
		Edges []map[string]string `json:"edges"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil || len(g.Nodes) == 0 {
		t.Fatalf("graph --json: %v\n%s", err, r.stdout)
	}
	found := false
	for _, e := range g.Edges {
		found = found || e["from"] == "task.one" && e["to"] == "handler.restart"
	}
	if !found {
		t.Errorf("graph --json lacks task.one -> handler.restart: %s", r.stdout)
	}
	r = run(t, nil, "validate", "--json", "testdata/handler")
	if r.code != exitOK || !strings.Contains(r.stdout, `"valid":true`) {
		t.Errorf("validate --json on a valid runbook: exit %d %q", r.code, r.stdout)
	}
	r = run(t, nil, "validate", "--json", writeFiles(t, map[string]string{"main.hcl": "task \"x\" {\n  nope {\n  }\n}\n"}))
	if r.code != exitError || !strings.Contains(r.stdout, `"valid":false`) || !strings.Contains(r.stdout, `"error_count":1`) {
		t.Errorf("validate --json on an invalid runbook: exit %d %q", r.code, r.stdout)
	}
}

// inventory --limit lists only the groups of the selected hosts.
func TestInventoryLimitGroups(t *testing.T) {
	r := run(t, nil, "inventory", "-i", "testdata/fleet.inventory.hcl", "--limit", "w1")
	groups := r.stdout[strings.Index(r.stdout, "Groups:"):]
	if strings.Contains(groups, "w2") || strings.Contains(groups, "w3") {
		t.Errorf("inventory --limit w1 lists other hosts in groups:\n%s", groups)
	}
	r = run(t, nil, "inventory", "--json", "-i", "testdata/fleet.inventory.hcl", "-l", "w1")
	var inv struct {
		Groups map[string][]string `json:"groups"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &inv); err != nil {
		t.Fatal(err)
	}
	for g, hosts := range inv.Groups {
		if len(hosts) != 1 || hosts[0] != "w1" {
			t.Errorf("inventory --json -l w1: group %s lists %v", g, hosts)
		}
	}
}

// fmt -check without a path leaves testdata alone.
func TestFmtSkipsTestdata(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.hcl":            "task \"x\" {\n  command {\n    argv = [\"true\"]\n  }\n}\n",
		"testdata/ugly/a.hcl": "task \"x\" {\ncommand {\nargv=[\"true\"]\n}\n}\n",
		"testdata/broken.hcl": "task \"y\" {\n",
	})
	cmd := exec.Command(binary, "fmt", "-check")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("fmt -check in a folder with testdata: %v\n%s", err, out)
	}
	// Named, testdata is checked.
	if r := run(t, nil, "fmt", "-check", filepath.Join(dir, "testdata", "ugly")); r.code != exitError {
		t.Errorf("fmt -check testdata/ugly: exit %d", r.code)
	}
}

// An ignored error is counted as ignored, not ok.
func TestIgnoredErrorsInTheRecap(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "bad" {
  ignore_errors = true
  command {
    argv = ["sh", "-c", "echo oops >&2; exit 3"]
  }
}
task "after" {
  command {
    argv = ["true"]
  }
  depends_on = [task.bad]
}
`})
	r := run(t, nil, "run", "--no-color", rb)
	if r.code != exitChanges || !regexp.MustCompile(`localhost\s+ok=0 changed=1 failed=0 skipped=0 unreachable=0 rescued=0 ignored=1`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "1 error ignored") {
		t.Errorf("exit %d, recap:\n%s", r.code, r.stdout)
	}
	r = run(t, nil, "run", "--json", rb)
	if ev := r.event("task_finished", "task.bad"); ev == nil || ev["status"] != "ignored" || ev["rc"] != float64(3) || !strings.Contains(ev["stderr"].(string), "oops") {
		t.Errorf("ignored instance: %v", ev)
	}
}

// TERM=dumb gets no escape sequences, even on a terminal: tested in
// engine/ui (TestDumbTerminalGetsNoEscapes), which has the pty.

// Journals go to the state folder, and old ones are pruned.
func TestJournalLocationAndPruning(t *testing.T) {
	state := t.TempDir()
	rb := writeFiles(t, map[string]string{"main.hcl": "task \"x\" {\n  command {\n    argv = [\"true\"]\n  }\n}\n"})
	work := t.TempDir()
	for i := 0; i < 4; i++ {
		cmd := exec.Command(binary, "run", rb)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "RUNBOOK_STATE_DIR="+state, "RUNBOOK_KEEP_RUNS=2")
		if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 2") {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(work, ".runbook")); err == nil {
		t.Error("a journal was written under the working directory")
	}
	runs, _ := filepath.Glob(filepath.Join(state, "runs", "*.jsonl"))
	if len(runs) != 2 {
		t.Errorf("RUNBOOK_KEEP_RUNS=2 kept %d journals: %v", len(runs), runs)
	}
	// Without RUNBOOK_STATE_DIR, the user's state folder.
	home := t.TempDir()
	cmd := exec.Command(binary, "run", rb)
	cmd.Dir = work
	cmd.Env = append(withoutEnv("RUNBOOK_STATE_DIR", "XDG_STATE_HOME"), "HOME="+home)
	_, _ = cmd.CombinedOutput()
	if runs, _ := filepath.Glob(filepath.Join(home, ".local", "state", "runbook", "runs", "*.jsonl")); len(runs) != 1 {
		t.Errorf("journals in ~/.local/state/runbook/runs: %v", runs)
	}
}

func withoutEnv(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// The docs say when handlers run (unlike Ansible, as soon as what notified
// them is done) and map Ansible habits to runbook ones.
func TestDocsFromAnsible(t *testing.T) {
	b, err := os.ReadFile("../../docs/from-ansible.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"# From Ansible", "-e", "--list-tasks", "--step", "--start-at-task", "debug", "handler", "check", "tags",
		"as soon as", "RUNBOOK_STATE_DIR", ".vars.hcl"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("docs/from-ansible.md does not mention %q", w)
		}
	}
	lang, _ := os.ReadFile("../../docs/language.md")
	if !strings.Contains(string(lang), "Handlers run as soon as") {
		t.Error("docs/language.md does not say when handlers run")
	}
}

// A Jinja expression in an inventory variable is a warning.
func TestJinjaInInventoryWarns(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"inv/hosts":              "[web]\nlocalhost ansible_connection=local\n",
		"inv/group_vars/web.yml": "api_url: \"http://{{ inventory_hostname }}:8779\"\nplain: yes\n",
		"rb/main.hcl":            "task \"x\" {\n  hosts = group.web\n  debug {\n    msg = host.vars.api_url\n  }\n}\n",
	})
	r := run(t, nil, "run", "-i", filepath.Join(dir, "inv", "hosts"), filepath.Join(dir, "rb"))
	if !strings.Contains(r.stdout, "Jinja template in a variable") || !strings.Contains(r.stdout, "web.yml:1") || strings.Contains(r.stdout, "plain") {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// YAML inventory errors point at the line of the problem, and the message
// names the same line as the snippet.
func TestYAMLInventoryErrorLines(t *testing.T) {
	for _, tt := range []struct {
		src  string
		line string
	}{
		// A key indented less than its siblings: yaml.v3 names line 2
		// (where the mapping began, counted from 0).
		{"all:\n  hosts:\n    a:\n      x: 1\n     y: 2\n", "5"},
		// An unclosed flow sequence: yaml.v3 says line 5, the snippet
		// showed line 6.
		{"all:\n  hosts:\n    a:\n      ansible_host: 1.2.3.4\n    b:\n     ansible_host: [1, 2\n  vars:\n    x: 1\n", "6"},
	} {
		inv := writeFiles(t, map[string]string{"hosts.yml": tt.src})
		r := run(t, nil, "inventory", "-i", filepath.Join(inv, "hosts.yml"))
		out := strings.Join(strings.Fields(r.stdout+r.stderr), " ")
		if r.code != exitError || !strings.Contains(out, "hosts.yml:"+tt.line+":1: Error: Invalid YAML") ||
			!strings.Contains(out, "hosts.yml, line "+tt.line+":") || !strings.Contains(out, "line "+tt.line+", in") && !strings.Contains(out, "on "+filepath.Join(inv, "hosts.yml")+" line "+tt.line) {
			t.Errorf("want line %s:\n%s", tt.line, r.stdout+r.stderr)
		}
	}
}

// Named blocks: errors and results say block.NAME, not block#0.
func TestNamedBlocks(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
block {
  name = "upgrade"
  task "a" {
    command {
      argv = ["false"]
    }
  }
  task "b" {
    command {
      argv = ["true"]
    }
    depends_on = [task.a]
  }
  rescue {
    task "r" {
      command {
        argv = ["true"]
      }
    }
  }
}
`})
	r := run(t, nil, "run", "--json", rb)
	ev := r.event("task_finished", "task.b")
	if ev == nil || !strings.Contains(ev["reason"].(string), "block.upgrade") {
		t.Errorf("a named block: %v\n%s", ev, r.stdout)
	}
}

// Check as a drift gate: a runbook that has converged checks to exit 0
// once its read-only tasks say so, and their outputs are real in the
// check; what cannot be predicted is named, and its effect on the exit
// code is selectable.
func TestCheckIsADriftGate(t *testing.T) {
	const tasks = `
variable "dir" {
  type = string
}
task "conf" {
  command {
    argv    = ["sh", "-c", "echo v2 > ${var.dir}/app.conf"]
    creates = "${var.dir}/app.conf"
  }
}
task "version" {
  command {
    argv = ["cat", "${var.dir}/app.conf"]
  }
  changed_when = false
  depends_on   = [task.conf]
}
task "report" {
  assert {
    conditions = [{ condition = trimspace(task.version.outputs.stdout) == "v2", message = "app.conf is not v2" }]
  }
}
`
	plain := writeFiles(t, map[string]string{"main.hcl": tasks})
	gated := writeFiles(t, map[string]string{"main.hcl": "runbook {\n  read_only_when_unchanged = true\n}\n" + tasks})
	perTask := writeFiles(t, map[string]string{"main.hcl": strings.Replace(tasks, "changed_when = false", "read_only    = true", 1)})
	dir := t.TempDir()
	if r := run(t, nil, "run", "--var", "dir="+dir, plain); r.code != exitChanges {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stdout)
	}
	// Converged. Without a word about read-only tasks, check cannot say so.
	r := run(t, nil, "check", "--no-color", "--var", "dir="+dir, plain)
	if r.code != exitChanges || !strings.Contains(r.stdout, "Cannot predict without running: task.version (localhost)") {
		t.Errorf("check of a converged runbook, read-only tasks undeclared: exit %d\n%s", r.code, r.stdout)
	}
	if r := run(t, nil, "check", "--unpredictable=ok", "--var", "dir="+dir, plain); r.code != exitOK {
		t.Errorf("check --unpredictable=ok: exit %d\n%s", r.code, r.stdout)
	}
	if r := run(t, nil, "check", "--unpredictable=error", "--var", "dir="+dir, plain); r.code != exitError {
		t.Errorf("check --unpredictable=error: exit %d\n%s", r.code, r.stdout)
	}
	for name, rb := range map[string]string{"runbook-level read_only_when_unchanged": gated, "task-level read_only": perTask} {
		r := run(t, nil, "check", "--json", "--var", "dir="+dir, rb)
		if r.code != exitOK {
			t.Errorf("%s: check of a converged runbook: exit %d\n%s", name, r.code, r.stdout)
		}
		// The read-only task ran, so the assert after it checked real data.
		if st := r.finished(); st["task.version@localhost"] != "ok" || st["task.report@localhost"] != "ok" {
			t.Errorf("%s: %v", name, st)
		}
	}
	// Drift is caught: the gate is not always open.
	if err := os.WriteFile(filepath.Join(dir, "app.conf"), []byte("v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "check", "--json", "--var", "dir="+dir, gated)
	if r.code != exitError || r.finished()["task.report@localhost"] != "failed" {
		t.Errorf("check after drift: exit %d %v", r.code, r.finished())
	}
	// A task that may change something is not run by a check, even in a
	// runbook that runs its read-only tasks.
	fresh := t.TempDir()
	r = run(t, nil, "check", "--json", "--var", "dir="+fresh, gated)
	if _, err := os.Stat(filepath.Join(fresh, "app.conf")); err == nil {
		t.Fatal("a check ran a task that changes something")
	}
	if st := r.finished()["task.conf@localhost"]; st != "would_change" {
		t.Errorf("task.conf in a check on a fresh folder: %s", st)
	}
}

// for_each: a repeated element runs once and the outputs have one key per
// instance; the header does not count instances for_each has not expanded
// yet; numbers are taken as their strings, as the docs say.
func TestForEachInstances(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "t" {
  for_each = ["curl", "jq", "curl"]
  command {
    argv = ["echo", each.key]
  }
}
task "n" {
  for_each = [1, 2]
  debug {
    msg = each.key
  }
}
task "count" {
  debug {
    msg = "${length(task.t.outputs)} ${join(",", keys(task.n.outputs))}"
  }
}
`})
	r := run(t, nil, "run", "--json", rb)
	var lines []string
	for _, ev := range r.events {
		if ev["type"] == "task_finished" && ev["task"] == "task.t" {
			lines = append(lines, ev["key"].(string))
		}
	}
	if strings.Join(lines, " ") != "curl jq" {
		t.Errorf("for_each [curl, jq, curl] ran %v", lines)
	}
	if ev := r.event("task_finished", "task.count"); ev == nil || ev["reason"] != "2 1,2" {
		t.Errorf("outputs: %v", ev)
	}
	h := run(t, nil, "run", "--no-color", rb)
	header := strings.SplitN(h.stdout, "\n", 2)[0]
	if strings.Contains(header, "3 task instances") || !strings.Contains(header, "3 tasks (for_each items are counted as they run)") {
		t.Errorf("header %q", header)
	}
	lang, _ := os.ReadFile("../../docs/language.md")
	if !strings.Contains(string(lang), "numbers and bools are taken as their strings") {
		t.Error("docs/language.md does not say what for_each does with numbers")
	}
}

// Result lines come in host order within a task and key order within a
// for_each instance, whatever order they finish in.
func TestResultOrderIsStable(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "slow_first" {
  hosts = group.web
  command {
    argv = ["sleep", lookup({ w1 = "0.6", w2 = "0.4", w3 = "0.2", w4 = "0" }, host.name, "0")]
  }
}
task "items" {
  for_each = ["a", "b", "c", "d"]
  command {
    argv = ["sleep", lookup({ a = "0.6", b = "0.4", c = "0.2", d = "0" }, each.key, "0")]
  }
}
`})
	for i := 0; i < 2; i++ {
		r := run(t, nil, "run", "--no-color", "-i", "testdata/fleet.inventory.hcl", rb)
		var got []string
		for _, l := range strings.Split(r.stdout, "\n") {
			f := strings.Fields(l)
			if len(f) >= 3 && f[0] == "changed" {
				got = append(got, f[1]+"@"+f[2])
			}
		}
		slow := []string{}
		items := []string{}
		for _, g := range got {
			if strings.HasPrefix(g, "task.slow_first") {
				slow = append(slow, g)
			} else {
				items = append(items, g)
			}
		}
		if strings.Join(slow, " ") != "task.slow_first@w1 task.slow_first@w2 task.slow_first@w3 task.slow_first@w4" ||
			strings.Join(items, " ") != "task.items[a]@localhost task.items[b]@localhost task.items[c]@localhost task.items[d]@localhost" {
			t.Fatalf("run %d: result lines in the order %v\n%s", i+1, got, r.stdout)
		}
	}
}

// --tags (and --start-at-task) pull in the tasks a selected task reads
// from, as reads: a read-only one runs, one with nothing to do gives its
// real outputs, one that would change is not run and what reads it is
// skipped, saying which task and why.
func TestSelectionPullsInReads(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
variable "dir" {
  type = string
}
task "version" {
  command {
    argv = ["echo", "v2"]
  }
  read_only = true
}
task "marker" {
  command {
    argv    = ["sh", "-c", "echo made > ${var.dir}/marker; echo made"]
    creates = "${var.dir}/marker"
  }
}
task "unrelated" {
  command {
    argv = ["touch", "${var.dir}/unrelated"]
  }
}
task "rec" {
  tags = ["rec"]
  debug {
    msg = "${trimspace(task.version.outputs.stdout)} ${task.marker.outputs.rc}"
  }
}
`})
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "--tags", "rec", "--var", "dir="+dir, rb)
	st := r.finished()
	if st["task.rec@localhost"] != "skipped" || st["task.version@localhost"] != "ok" || st["task.marker@localhost"] != "skipped" {
		t.Fatalf("--tags rec with task.marker pending: exit %d %v\n%s", r.code, st, r.stdout)
	}
	if ev := r.event("task_finished", "task.rec"); !strings.Contains(ev["reason"].(string), "task.marker is not selected and would change") {
		t.Errorf("the skip does not say which task and why: %v", ev)
	}
	if strings.Contains(r.stdout, "Attempt to get attribute from null value") {
		t.Error("a null value error instead of the reason")
	}
	for _, f := range []string{"marker", "unrelated"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("--tags rec made %s: a task the selection left out was applied", f)
		}
	}
	// Once marker is there, it reads as ok and rec runs with real values.
	if err := os.WriteFile(filepath.Join(dir, "marker"), []byte("made\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "run", "--json", "--tags", "rec", "--var", "dir="+dir, rb)
	if ev := r.event("task_finished", "task.rec"); r.code != exitOK || ev == nil || ev["reason"] != "v2 0" {
		t.Errorf("--tags rec: exit %d %v\n%s", r.code, ev, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "unrelated")); err == nil {
		t.Error("a task nothing selected reads was run")
	}
	// --list-tasks shows what is pulled in.
	r = run(t, nil, "run", "--list-tasks", "--tags", "rec", "--var", "dir="+dir, rb)
	if !strings.Contains(r.stdout, "task.version  (read for the selection)") || strings.Contains(r.stdout, "task.unrelated") {
		t.Errorf("--list-tasks:\n%s", r.stdout)
	}
}

// Locals may use task outputs: a filter is written once, evaluated per
// instance (with that host's view of the task), and what it reads orders
// the tasks that use it.
func TestLocalsUseTaskOutputs(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
task "list" {
  hosts = group.web
  command {
    argv = ["printf", "pkg-${host.name}\nskip\nother-${host.name}"]
  }
  read_only = true
}
locals {
  lines    = split("\n", task.list.outputs.stdout)
  selected = [for l in local.lines : l if l != "skip"]
}
task "show" {
  hosts = group.web
  debug {
    msg = join(",", local.selected)
  }
}
task "each" {
  for_each = toset([for h, i in task.list.hosts : h])
  debug {
    msg = each.key
  }
}
`})
	r := run(t, nil, "run", "--json", "-i", "testdata/fleet.inventory.hcl", "-l", "w1,w3", rb)
	for _, h := range []string{"w1", "w3"} {
		var ev map[string]any
		for _, e := range r.events {
			if e["type"] == "task_finished" && e["task"] == "task.show" && e["host"] == h {
				ev = e
			}
		}
		if want := "pkg-" + h + ",other-" + h; ev == nil || ev["reason"] != want {
			t.Errorf("task.show on %s: %v, want %q\n%s", h, ev, want, r.stdout)
		}
		if r.index("task_finished", "task.list") > r.index("task_finished", "task.show") {
			t.Error("task.show ran before task.list, which its local reads")
		}
	}
	// Where a value is needed before the run, such a local is an error.
	bad := writeFiles(t, map[string]string{"main.hcl": `
task "list" {
  command {
    argv = ["echo", "w1"]
  }
}
locals {
  targets = [task.list.outputs.stdout]
}
task "x" {
  hosts = local.targets
  debug {
    msg = "x"
  }
}
`})
	r = run(t, nil, "validate", bad)
	if r.code != exitError || !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), "local.targets uses task outputs") {
		t.Errorf("a task-output local in hosts: exit %d\n%s", r.code, r.stdout)
	}
}

// --limit never pulls in a host outside it (Ansible's meaning), so a task
// that reads a task whose every instance the limit leaves out fails
// before anything runs, naming both, instead of reading null at run time.
func TestLimitLeavingOutWhatATaskReads(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
variable "dir" {
  type = string
}
task "ctl_version" {
  hosts = group.ctl
  command {
    argv = ["echo", "v2"]
  }
  read_only = true
}
task "web_conf" {
  hosts = group.web
  command {
    argv    = ["sh", "-c", "echo ${trimspace(task.ctl_version.outputs.stdout)} > ${var.dir}/${host.name}"]
    creates = "${var.dir}/${host.name}"
  }
}
`})
	dir := t.TempDir()
	r := run(t, nil, "run", "-i", "testdata/fleet.inventory.hcl", "--limit", "w1", "--var", "dir="+dir, rb)
	if r.code != exitError || !strings.Contains(r.stdout+r.stderr, "task.web_conf reads task.ctl_version, which --limit leaves out") ||
		!strings.Contains(r.stdout+r.stderr, "(c1)") {
		t.Fatalf("--limit w1 leaving out what task.web_conf reads: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "null value") {
		t.Error("a null value error instead of the reason")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("something ran before the limit was reported: %v", entries)
	}
	// With the read host in the limit, it runs.
	r = run(t, nil, "run", "-i", "testdata/fleet.inventory.hcl", "--limit", "w1,c1", "--var", "dir="+dir, rb)
	if b, err := os.ReadFile(filepath.Join(dir, "w1")); r.code != exitChanges || err != nil || string(b) != "v2\n" {
		t.Errorf("--limit w1,c1: exit %d, w1 = %q (%v)\n%s%s", r.code, b, err, r.stdout, r.stderr)
	}
}

// A var file's lines are values: with a sensitive variable declared, a
// syntax error or a mistyped name on a secret's line shows where it is,
// never the line.
func TestVarFileDiagnosticsNeverShowASecretLine(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": `
variable "token" {
  type      = string
  sensitive = true
}
task "t" {
  debug {
    msg = "ok"
  }
}
`})
	dir := t.TempDir()
	files := map[string]string{
		"broken.yaml":   "token: [s3cr3t-value\n",
		"typo.vars.hcl": "tokn = \"s3cr3t-value\"\n",
		"typo.json":     "{\"tokn\": \"s3cr3t-value\"}\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, format := range [][]string{nil, {"--json"}} {
			args := append(append([]string{"validate"}, format...), "--var-file", path, rb)
			r := run(t, nil, args...)
			if r.code != exitError || !strings.Contains(r.stdout+r.stderr, name) || !strings.Contains(r.stdout+r.stderr, `"line":1`) && !strings.Contains(r.stdout+r.stderr, name+":1") {
				t.Errorf("%s %v: exit %d, no position\n%s%s", name, format, r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "s3cr3t") {
				t.Errorf("%s %v: the secret's line is shown:\n%s%s", name, format, r.stdout, r.stderr)
			}
		}
	}
}
