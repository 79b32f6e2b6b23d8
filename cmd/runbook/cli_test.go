package main

import (
	"os"
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
