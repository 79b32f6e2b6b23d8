package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Tests of issue 11 through the binary: what the operator sees when input
// is hostile or a run fails on an expression.

const soundSecret = "s3cr3t-value"

// for_each = [var.token] printed the secret as the instance key
// (task.t[s3cr3t-value]) in human and JSON output. It is a diagnostic now,
// and the secret shows nowhere.
func TestSecretIsNeverAnInstanceKey(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rb/main.hcl": `
variable "token" {
  type      = string
  sensitive = true
}
task "t" {
  for_each = [var.token]
  command {
    argv = ["true"]
  }
}
`})
	for _, args := range [][]string{
		{"run", filepath.Join(dir, "rb"), "--var", "token=" + soundSecret},
		{"run", "--json", filepath.Join(dir, "rb"), "--var", "token=" + soundSecret},
		{"validate", filepath.Join(dir, "rb")},
	} {
		r := run(t, nil, args...)
		if r.code != exitError {
			t.Errorf("%v: exit %d, want 1\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, soundSecret) {
			t.Errorf("%v shows the secret:\n%s%s", args, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout+r.stderr, "Invalid for_each argument") {
			t.Errorf("%v: no diagnostic:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}

// --forks 0 and --forks -5 were accepted (and meant "no bound").
func TestForksBelowOneAreRefused(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rb/main.hcl": `
task "t" {
  command {
    argv = ["true"]
  }
}
`})
	for _, n := range []string{"0", "-5"} {
		r := run(t, nil, "run", "--forks", n, filepath.Join(dir, "rb"))
		if r.code != exitError || !strings.Contains(r.stderr, "--forks") {
			t.Errorf("--forks %s: exit %d\n%s%s", n, r.code, r.stdout, r.stderr)
		}
	}
}

// A runtime error of an expression kept neither its snippet nor its
// position format: "6,14-46" instead of "6:14", "and 1 other
// diagnostic(s)". Now the human view shows it as a diagnostic with its
// source, and JSON gives it structured.
func TestRuntimeErrorKeepsItsDiagnostic(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rb/main.hcl": `task "a" {
  command {
    argv = ["echo", "not a number"]
  }
}

task "b" {
  when = tonumber(trimspace(task.a.outputs.stdout)) > 0
  command {
    argv = ["true"]
  }
}
`})
	rb := filepath.Join(dir, "rb")
	r := run(t, nil, "run", "--no-color", rb)
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"main.hcl:8:19: Error: Invalid function argument",
		"   8:   when = tonumber(trimspace(task.a.outputs.stdout)) > 0",
		"^^^^",
		`in task "b"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the human view lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "8,19") || strings.Contains(r.stdout, "other diagnostic") {
		t.Errorf("the position lost its format:\n%s", r.stdout)
	}

	r = run(t, nil, "run", "--json", rb)
	ev := r.event("task_finished", "task.b")
	if ev == nil {
		t.Fatalf("no task_finished for task.b:\n%s", r.stdout)
	}
	diags, _ := ev["diagnostics"].([]any)
	if len(diags) != 1 {
		t.Fatalf("task.b's diagnostics: %v", ev)
	}
	d := diags[0].(map[string]any)
	if d["line"] != float64(8) || d["column"] != float64(19) || !strings.HasSuffix(d["filename"].(string), "main.hcl") ||
		!strings.Contains(d["snippet"].(string), "when = tonumber") || d["summary"] != "Invalid function argument" {
		t.Errorf("diagnostic: %v", d)
	}
}

// An error of changed_when used to replace the module's own error.
func TestModuleErrorIsNotReplacedByAnExpressionError(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rb/main.hcl": `task "a" {
  command {
    argv = ["sh", "-c", "echo broken >&2; exit 3"]
  }
  changed_when = tonumber(self.outputs.stdout) > 0
}
`})
	r := run(t, nil, "run", "--json", filepath.Join(dir, "rb"))
	ev := r.event("task_finished", "task.a")
	if ev == nil || ev["status"] != "failed" || ev["rc"] != float64(3) || !strings.Contains(ev["reason"].(string), "exit status 3") {
		t.Fatalf("task.a: %v", ev)
	}
	diags, _ := ev["diagnostics"].([]any)
	if len(diags) != 1 || diags[0].(map[string]any)["line"] != float64(5) {
		t.Errorf("the changed_when error is missing: %v", ev)
	}
}

// `runbook validate` said "valid" for runbooks that then failed at run: a
// systemd state = "strated", an undefined name in a template, a for_each
// over a list of objects. Module arguments were only checked at Plan.
func TestValidateCatchesWhatOnlyTheRunUsedTo(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		args  []string
		want  []string
	}{
		{"systemd state typo", map[string]string{"rb/main.hcl": `task "restart" {
  systemd {
    name  = "trove-api"
    state = "strated"
  }
}
`}, nil, []string{`main.hcl:4:13: Error: Invalid value for state`, `not "strated"`}},
		{"template undefined name", map[string]string{
			"rb/main.hcl": `task "conf" {
  template {
    src  = "app.conf.tpl"
    dest = "/etc/app.conf"
    vars = { port = 8779 }
  }
}
`,
			"rb/app.conf.tpl": "port = ${port}\nworkers = ${wrokers}\n",
		}, nil, []string{`main.hcl:3:12: Error: Invalid template`, `app.conf.tpl line 2`, `"wrokers" is not one of`}},
		{"template text undefined name", map[string]string{"rb/main.hcl": `variable "port" {
  type = number
}
task "conf" {
  template {
    template = "port = $${port} $${host}"
    dest     = "/etc/app.conf"
    vars     = { port = var.port }
  }
}
`}, nil, []string{`Invalid template`, `"host" is not one of`}},
		{"for_each over a list of objects", map[string]string{"rb/main.hcl": `variable "instances" {
  type    = list(object({ id = string }))
  default = []
}
task "upgrade" {
  for_each = var.instances
  command {
    argv = ["echo", each.value.id]
  }
}
`}, nil, []string{`main.hcl:6:14: Error: Invalid for_each argument`, `this is list of`}},
		{"a variable's value breaks a module rule", map[string]string{"rb/main.hcl": `variable "state" {
  type = string
}
task "restart" {
  systemd {
    name  = "trove-api"
    state = var.state
  }
}
`}, []string{"--var", "state=strated"}, []string{`main.hcl:7:13: Error: Invalid value for state`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			r := run(t, nil, append([]string{"validate", "--no-color", filepath.Join(dir, "rb")}, c.args...)...)
			if r.code != exitError {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("validate output lacks %q:\n%s%s", w, r.stdout, r.stderr)
				}
			}
		})
	}
}

// A secret the engine cannot recognise (a token a command prints) was
// printed and written to the journal. With sensitive = true on the task,
// neither the human nor the JSON view nor the journal holds it, and a
// task that uses the task's outputs shows it neither.
func TestSensitiveTaskKeepsAPrintedTokenOut(t *testing.T) {
	const token = "tok-5f0c2e77d1"
	dir := writeFiles(t, map[string]string{"rb/main.hcl": `task "token" {
  sensitive = true
  command {
    argv = ["echo", "` + token + `"]
  }
}

task "use" {
  command {
    argv = ["sh", "-c", "echo using $1; exit 3", "sh", trimspace(task.token.outputs.stdout)]
  }
}
`})
	for _, args := range [][]string{
		{"run", "-v", "--no-color", filepath.Join(dir, "rb")},
		{"run", "--json", "--diff", filepath.Join(dir, "rb")},
	} {
		state := t.TempDir()
		r := run(t, []string{"RUNBOOK_STATE_DIR=" + state}, args...)
		if r.code != exitError {
			t.Errorf("%v: exit %d, want 1 (use fails)\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Errorf("%v shows the token:\n%s%s", args, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "(sensitive)") {
			t.Errorf("%v: nothing says (sensitive):\n%s", args, r.stdout)
		}
		journals, _ := filepath.Glob(filepath.Join(state, "*", "*.jsonl"))
		more, _ := filepath.Glob(filepath.Join(state, "*.jsonl"))
		journals = append(journals, more...)
		if len(journals) == 0 {
			t.Errorf("%v: no journal under %s", args, state)
		}
		for _, j := range journals {
			b, _ := os.ReadFile(j)
			if strings.Contains(string(b), token) {
				t.Errorf("the journal %s holds the token", j)
			}
		}
	}
}

// runID returns the run id of a --json run's output.
func runIDOf(t *testing.T, stdout string) string {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(l), &ev) == nil && ev["type"] == "run_started" {
			return ev["run_id"].(string)
		}
	}
	t.Fatalf("no run_started in:\n%s", stdout)
	return ""
}

// `run --resume ID` accepted the journal of a different runbook and reused
// its id. Now the journal must be of the same runbook (path and files) and
// the same hosts, or resume refuses and says which runbook it is of.
func TestResumeRefusesAJournalOfAnotherRunbook(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a/main.hcl": "variable \"where\" {\n  type    = string\n  default = \"localhost\"\n}\ntask \"fails\" {\n  hosts = var.where\n  command {\n    argv = [\"false\"]\n  }\n}\n",
		"b/main.hcl": "task \"other\" {\n  command {\n    argv = [\"true\"]\n  }\n}\n",
	})
	state := []string{"RUNBOOK_STATE_DIR=" + t.TempDir()}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	r := run(t, state, "run", "--json", a)
	if r.code != exitError {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stdout)
	}
	id := runIDOf(t, r.stdout)

	r = run(t, state, "run", "--resume", id, b)
	if r.code != exitError || !strings.Contains(r.stderr, "is of the runbook "+a) {
		t.Errorf("resume with another runbook: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, state, "run", "--resume", id, "-i", "testdata/fleet.inventory.hcl", "--var", "where=w1", a)
	if r.code != exitError || !strings.Contains(r.stderr, "ran against other hosts") {
		t.Errorf("resume against other hosts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	main := filepath.Join(a, "main.hcl")
	orig, _ := os.ReadFile(main)
	if err := os.WriteFile(main, append(orig, []byte("# edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, state, "run", "--resume", id, a)
	if r.code != exitError || !strings.Contains(r.stderr, "changed since run "+id) {
		t.Errorf("resume after the runbook changed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := os.WriteFile(main, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, state, "run", "--json", "--resume", id, a)
	if strings.Contains(r.stderr, "not resuming") || runIDOf(t, r.stdout) != id {
		t.Errorf("resume of its own journal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// startRun starts a --json run in the background and returns it with its
// run id, once it has started.
func startRun(t *testing.T, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"run", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	// Its own process group, so that killing it kills what it runs too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var ev map[string]any
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev["type"] == "run_started" {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return cmd, ev["run_id"].(string)
		}
	}
	t.Fatalf("the background run did not start: %v", sc.Err())
	return nil, ""
}

// Two runs of the same runbook against the same hosts could start at
// once. The second now refuses while the first holds the lock, and names
// it; a check needs no lock; runs on other hosts go on; a lock whose
// process is gone is taken over; --force-unlock breaks one.
func TestRunLock(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	dir := writeFiles(t, map[string]string{"rb/main.hcl": `variable "secs" {
  type    = number
  default = 0
}
task "slow" {
  hosts = "web"
  shell {
    cmd = "echo $$ >> '` + pids + `'; exec sleep ${var.secs}"
  }
}
`})
	// The sleeps of the runs killed below outlive them: end them.
	t.Cleanup(func() {
		b, _ := os.ReadFile(pids)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	rb := filepath.Join(dir, "rb")
	inv := []string{"-i", "testdata/fleet.inventory.hcl"}
	state := []string{"RUNBOOK_STATE_DIR=" + t.TempDir()}

	first, id := startRun(t, state, append(inv, "--var", "secs=60", "--limit", "w1,w2", rb)...)
	r := run(t, state, append([]string{"run"}, append(inv, "--limit", "w2,w3", rb)...)...)
	if r.code != exitError {
		t.Errorf("second run over w2: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"run " + id, "holds the lock", "w2", "--force-unlock " + id} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, r.stderr)
		}
	}
	if r := run(t, state, append([]string{"check"}, append(inv, "--limit", "w1", rb)...)...); r.code != exitChanges {
		t.Errorf("a check during the run: exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, state, append([]string{"run"}, append(inv, "--limit", "w3", rb)...)...); r.code != exitChanges {
		t.Errorf("a run on other hosts: exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The first run killed outright leaves its lock behind: stale.
	_ = syscall.Kill(-first.Process.Pid, syscall.SIGKILL)
	_ = first.Wait()
	r = run(t, state, append([]string{"run"}, append(inv, "--limit", "w1", rb)...)...)
	if r.code != exitChanges || !strings.Contains(r.stdout, "took over the lock of run "+id) {
		t.Errorf("over a stale lock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// --force-unlock breaks a live run's lock.
	_, id2 := startRun(t, state, append(inv, "--var", "secs=60", "--limit", "w4", rb)...)
	r = run(t, state, append([]string{"run", "--force-unlock", id2}, append(inv, "--limit", "w4", rb)...)...)
	if r.code != exitChanges || !strings.Contains(r.stdout, "removed the lock of run "+id2) {
		t.Errorf("--force-unlock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
