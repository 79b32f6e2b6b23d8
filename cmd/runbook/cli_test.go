package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	ugly := "task \"x\" {\ncommand {\nargv=[\"true\"]\n    creates =   \"/tmp\"\n}\n}\n"
	p := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(p, []byte(ugly), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "fmt", "-check", dir); r.code != exitError || !strings.Contains(r.stdout, "main.hcl") {
		t.Fatalf("fmt -check on an unformatted file: exit %d, %q", r.code, r.stdout)
	}
	if b, _ := os.ReadFile(p); string(b) != ugly {
		t.Fatal("fmt -check changed the file")
	}
	if r := run(t, nil, "fmt", dir); r.code != exitOK {
		t.Fatalf("fmt: exit %d %s", r.code, r.stderr)
	}
	want := "task \"x\" {\n  command {\n    argv    = [\"true\"]\n    creates = \"/tmp\"\n  }\n}\n"
	if b, _ := os.ReadFile(p); string(b) != want {
		t.Fatalf("formatted:\n%s\nwant:\n%s", b, want)
	}
	if r := run(t, nil, "fmt", "-check", dir); r.code != exitOK {
		t.Fatalf("fmt -check on a formatted file: exit %d", r.code)
	}
	// A file that does not parse is reported and left alone.
	bad := filepath.Join(dir, "bad.hcl")
	_ = os.WriteFile(bad, []byte("task \"y\" {\n"), 0o644)
	if r := run(t, nil, "fmt", dir); r.code != exitError || !strings.Contains(r.stderr, "bad.hcl:") {
		t.Fatalf("fmt on a broken file: exit %d, %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(bad); string(b) != "task \"y\" {\n" {
		t.Fatal("fmt rewrote a file that does not parse")
	}
}

func TestGraph(t *testing.T) {
	r := run(t, nil, "graph", "testdata/handler")
	for _, want := range []string{"digraph", `"task.one" -> "handler.restart"`, `"task.two" -> "handler.restart"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("graph lacks %s:\n%s", want, r.stdout)
		}
	}
}

func TestInventoryCommand(t *testing.T) {
	r := run(t, nil, "inventory", "--json", "-i", "testdata/fleet.inventory.hcl")
	for _, want := range []string{`"name":"w2"`, `"broken":true`, `"transport":"local"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inventory lacks %s:\n%s", want, r.stdout)
		}
	}
	r = run(t, nil, "inventory", "-i", "testdata/fleet.inventory.hcl", "--limit", "web:!w2")
	if strings.Contains(r.stdout, "w2 ") || !strings.Contains(r.stdout, "w3") {
		t.Errorf("--limit web:!w2:\n%s", r.stdout)
	}
}

func TestTagsAndLimit(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "-i", "testdata/fleet.inventory.hcl", "--tags", "config", "--limit", "w1,w3", "--var", "dir="+dir, "testdata/tags")
	if r.code != exitChanges {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != "always config-w1 config-w3" {
		t.Fatalf("--tags config --limit w1,w3 made %v", got)
	}
	dir = t.TempDir()
	run(t, nil, "run", "-i", "testdata/fleet.inventory.hcl", "--skip-tags", "config,always", "--limit", "w2", "--var", "dir="+dir, "testdata/tags")
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "restart-w2" {
		t.Fatalf("--skip-tags config,always --limit w2 made %v", entries)
	}
}

func TestOutputStreamsWhileTheTaskRuns(t *testing.T) {
	r := run(t, nil, "run", "--json", "testdata/stream")
	var lines []map[string]any
	var finished time.Time
	for _, ev := range r.events {
		switch ev["type"] {
		case "task_output":
			lines = append(lines, ev)
		case "task_finished":
			finished, _ = time.Parse(time.RFC3339Nano, ev["timestamp"].(string))
		}
	}
	if len(lines) != 3 || lines[0]["line"] != "step 1" || lines[2]["line"] != "step 3" {
		t.Fatalf("output lines: %v", lines)
	}
	// The first line was emitted while the task was still running, well
	// before it ended (the task sleeps between lines).
	first, _ := time.Parse(time.RFC3339Nano, lines[0]["timestamp"].(string))
	if !first.Before(finished.Add(-300 * time.Millisecond)) {
		t.Fatalf("the first line came at %v, the task finished at %v: output was not streamed", first, finished)
	}
}

// default < RUNBOOK_VAR_x < --var-file < --var, as in Terraform.
func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	vf := filepath.Join(t.TempDir(), "values.hcl")
	if err := os.WriteFile(vf, []byte("b = \"file\"\nc = \"file\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, []string{"RUNBOOK_VAR_a=env", "RUNBOOK_VAR_b=env", "RUNBOOK_VAR_ports=[80, 443]"},
		"run", "--var-file", vf, "--var", "c=flag", "--var", "dir="+dir, "testdata/vars")
	if r.code != exitChanges {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "vars"))
	if string(b) != "env file flag 80,443\n" {
		t.Fatalf("values %q, want env file flag 80,443", b)
	}
	r = run(t, nil, "run", "--var", "ports=nope", "--var", "dir="+dir, "testdata/vars")
	if r.code != exitError || !strings.Contains(r.stdout, "Invalid value for variable") {
		t.Fatalf("a bad --var value: exit %d\n%s", r.code, r.stdout)
	}
}

func TestSecondSignalCancelsRunningWork(t *testing.T) {
	rb := writeRunbook(t, "task \"long\" {\n  command {\n    argv = [\"sleep\", \"60\"]\n  }\n}\n")
	cmd := exec.Command(binary, "run", "--json", rb)
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; !strings.Contains(out.String(), "task_started"); i++ {
		if i > 200 {
			t.Fatal("the task never started")
		}
		time.Sleep(25 * time.Millisecond)
	}
	start := time.Now()
	_ = cmd.Process.Signal(os.Interrupt)
	time.Sleep(200 * time.Millisecond)
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if time.Since(start) > 20*time.Second {
		t.Fatal("a second signal did not cancel the running task")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("exit: %v", err)
	}
	if !strings.Contains(out.String(), `"second":true`) || !strings.Contains(out.String(), `"status":"failed"`) {
		t.Fatalf("expected a second interrupt and the task cancelled:\n%s", out.String())
	}
}

func TestAnyErrorsFatalStopsEveryHost(t *testing.T) {
	dir := t.TempDir()
	rb := writeRunbook(t, `
variable "dir" {
  type = string
}
task "check" {
  hosts            = group.web
  any_errors_fatal = true
  shell {
    cmd = "[ ${host.name} != w2 ]"
  }
}
task "next" {
  hosts = group.web
  shell {
    cmd = "touch '${var.dir}/${host.name}'"
  }
  depends_on = [task.check]
}
`)
	r := run(t, nil, "run", "--json", "-i", "testdata/fleet.inventory.hcl", "--var", "dir="+dir, rb)
	entries, _ := os.ReadDir(dir)
	if r.code != exitError || len(entries) != 0 {
		t.Fatalf("exit %d, and %d hosts went on after w2 failed with any_errors_fatal", r.code, len(entries))
	}
	if st := r.finished()["task.next@w1"]; st != "skipped" {
		t.Fatalf("next@w1: %s, want skipped", st)
	}
}

// What the project ships is formatted as `runbook fmt` writes it (the
// check Terraform users run in CI).
func TestShippedRunbooksAreFormatted(t *testing.T) {
	for _, dir := range []string{"../../runbooks", "../../inventories"} {
		if r := run(t, nil, "fmt", "-check", dir); r.code != exitOK {
			t.Errorf("runbook fmt -check %s: exit %d; not formatted (run make fmt):\n%s%s", dir, r.code, r.stdout, r.stderr)
		}
	}
}
