package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The end-to-end tests run the real binary with the real modules on the
// local transport, and read its JSON lines (or human output).

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runbook-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "runbook")
	// Journals of the test runs go to the temporary folder, not the tree.
	os.Setenv("RUNBOOK_STATE_DIR", dir)
	out, err := exec.Command("go", "build", "-buildvcs=true", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building runbook: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type runOut struct {
	stdout, stderr string
	code           int
	events         []map[string]any
}

func run(t *testing.T, env []string, args ...string) runOut {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	r := runOut{stdout: so.String(), stderr: se.String(), code: code}
	for _, a := range args {
		if a == "--json" {
			sc := bufio.NewScanner(strings.NewReader(r.stdout))
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				var ev map[string]any
				if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
					t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
				}
				r.events = append(r.events, ev)
			}
		}
	}
	return r
}

// finished returns "task[key]@host" -> status of every task_finished event.
func (r runOut) finished() map[string]string {
	out := map[string]string{}
	for _, ev := range r.events {
		if ev["type"] != "task_finished" {
			continue
		}
		id := ev["task"].(string)
		if k, ok := ev["key"].(string); ok && k != "" {
			id += "[" + k + "]"
		}
		out[id+"@"+ev["host"].(string)] = ev["status"].(string)
	}
	return out
}

func (r runOut) withStatus(status string) []string {
	var out []string
	for id, st := range r.finished() {
		if st == status {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (r runOut) event(typ, task string) map[string]any {
	for _, ev := range r.events {
		if ev["type"] == typ && ev["task"] == task {
			return ev
		}
	}
	return nil
}

func (r runOut) index(typ, task string) int {
	for i, ev := range r.events {
		if ev["type"] == typ && ev["task"] == task {
			return i
		}
	}
	return -1
}

// snapshot lists every file under dir with its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalSnap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestImplicitDependencyOrder(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/order")
	if r.code != exitChanges {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitChanges, r.stdout, r.stderr)
	}
	aDone, bStart := r.index("task_finished", "task.a"), r.index("task_started", "task.b")
	if aDone < 0 || bStart < 0 || aDone > bStart {
		t.Fatalf("task.b started (event %d) before task.a finished (event %d)", bStart, aDone)
	}
	if st := r.finished()["task.b@localhost"]; st != "changed" {
		t.Fatalf("task.b: %s\n%s", st, r.stdout)
	}
}

func TestIndependentTasksOverlap(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/overlap")
	if r.code != exitChanges {
		t.Fatalf("the two tasks did not run at the same time: exit %d\n%s", r.code, r.stdout)
	}
	// With one fork they cannot overlap, and each must give up waiting.
	dir2 := t.TempDir()
	r = run(t, nil, "run", "--json", "--forks", "1", "--var", "dir="+dir2, "testdata/overlap")
	if r.code != exitError {
		t.Fatalf("with --forks 1 the tasks overlapped anyway: exit %d", r.code)
	}
}

func TestCheckModeChangesNothingAndPredictsTheRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stale"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	check := run(t, nil, "check", "--json", "--var", "dir="+dir, "testdata/files")
	if check.code != exitChanges {
		t.Fatalf("check exit %d, want 2\n%s%s", check.code, check.stdout, check.stderr)
	}
	if after := snapshot(t, dir); !equalSnap(before, after) {
		t.Fatalf("check mode changed the disk:\nbefore %v\nafter  %v", before, after)
	}
	wouldChange := check.withStatus("would_change")
	want := []string{"task.cleanup@localhost", "task.conf@localhost", "task.confdir@localhost"}
	if fmt.Sprint(wouldChange) != fmt.Sprint(want) {
		t.Fatalf("check says would change %v, want %v", wouldChange, want)
	}

	apply := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/files")
	if apply.code != exitChanges {
		t.Fatalf("run exit %d\n%s", apply.code, apply.stdout)
	}
	if changed := apply.withStatus("changed"); fmt.Sprint(changed) != fmt.Sprint(wouldChange) {
		t.Fatalf("run changed %v, but check predicted %v", changed, wouldChange)
	}
	if _, err := os.Stat(filepath.Join(dir, "app.conf")); err != nil {
		t.Fatalf("run did not create app.conf: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); !os.IsNotExist(err) {
		t.Fatalf("run did not remove stale: %v", err)
	}

	again := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/files")
	if again.code != exitOK || len(again.withStatus("changed")) != 0 {
		t.Fatalf("second run changed %v (exit %d), want nothing", again.withStatus("changed"), again.code)
	}
	recheck := run(t, nil, "check", "--var", "dir="+dir, "testdata/files")
	if recheck.code != exitOK {
		t.Fatalf("check after run: exit %d, want 0\n%s", recheck.code, recheck.stdout)
	}
}

func TestHandlerRunsOnceAndOnlyOnChange(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/handler")
	if st := r.finished()["handler.restart@localhost"]; st != "changed" {
		t.Fatalf("handler: %q, want changed\n%s", st, r.stdout)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "restarts"))
	if got := strings.Count(string(b), "restart"); got != 1 {
		t.Fatalf("handler ran %d times, want once", got)
	}
	if h, o, tw := r.index("task_started", "handler.restart"), r.index("task_finished", "task.one"), r.index("task_finished", "task.two"); h < o || h < tw {
		t.Fatalf("handler started before the tasks that notified it finished")
	}
	r = run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/handler")
	if _, ran := r.finished()["handler.restart@localhost"]; ran {
		t.Fatalf("handler ran although nothing changed")
	}
	b, _ = os.ReadFile(filepath.Join(dir, "restarts"))
	if got := strings.Count(string(b), "restart"); got != 1 {
		t.Fatalf("handler ran %d times in all, want once", got)
	}
}

func TestUnknownsPropagateInCheckMode(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "check", "--json", "--var", "dir="+dir, "testdata/unknowns")
	if r.code != exitChanges {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f := r.finished()
	if f["task.make_id@localhost"] != "would_change" {
		t.Fatalf("make_id: %s", f["task.make_id@localhost"])
	}
	ev := r.event("task_finished", "task.use_id")
	if ev == nil || ev["status"] != "unpredictable" || !strings.Contains(ev["reason"].(string), "known after apply") {
		t.Fatalf("use_id: %v", ev)
	}
	for _, task := range []string{"task.read_id", "task.id_ok"} {
		if ev := r.event("task_finished", task); ev == nil || ev["status"] != "unpredictable" {
			t.Fatalf("%s in check mode: %v, want unpredictable (it reads what make_id would write)", task, ev)
		}
	}
	// The run then resolves the value.
	r = run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/unknowns")
	if _, err := os.Stat(filepath.Join(dir, "id-42")); err != nil || r.code != exitChanges {
		t.Fatalf("run did not use the value: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if st := r.finished()["task.id_ok@localhost"]; st != "ok" {
		t.Fatalf("id_ok after the run: %s", st)
	}
}

func TestFailureNamesTaskHostStatusAndStderr(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--no-color", "--var", "dir="+dir, "testdata/fail")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{"task.breaks", "localhost", "rc=3", "config is broken"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("human output lacks %q:\n%s", want, r.stdout)
		}
	}
	j := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/fail")
	f := j.finished()
	if f["task.breaks@localhost"] != "failed" {
		t.Fatalf("breaks: %s", f["task.breaks@localhost"])
	}
	// The dependent is not reported as a second failure.
	if f["task.after@localhost"] == "failed" {
		t.Fatalf("task.after reported as failed: its failure only follows from task.breaks")
	}
	if n := len(j.withStatus("failed")); n != 1 {
		t.Fatalf("%d failures reported, want 1: %v", n, f)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"check pending", []string{"check", "--var", "dir=" + dir, "testdata/files"}, exitChanges},
		{"run changes", []string{"run", "--var", "dir=" + dir, "testdata/files"}, exitChanges},
		{"run nothing", []string{"run", "--var", "dir=" + dir, "testdata/files"}, exitOK},
		{"check nothing", []string{"check", "--var", "dir=" + dir, "testdata/files"}, exitOK},
		{"run failure", []string{"run", "--var", "dir=" + dir, "testdata/fail"}, exitError},
		{"missing variable", []string{"check", "testdata/files"}, exitError},
		{"validate ok", []string{"validate", "testdata/files"}, exitOK},
	}
	for _, c := range cases {
		r := run(t, nil, c.args...)
		if r.code != c.want {
			t.Errorf("%s: exit %d, want %d\n%s%s", c.name, r.code, c.want, r.stdout, r.stderr)
		}
	}
}

func TestSensitiveValuesNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	dir := t.TempDir()
	for _, args := range [][]string{
		{"run", "--no-color", "-v", "--var", "dir=" + dir, "testdata/sensitive"},
		{"run", "--json", "--var", "dir=" + dir, "testdata/sensitive"},
		{"check", "--json", "--diff", "--var", "dir=" + dir, "testdata/sensitive"},
	} {
		r := run(t, []string{"RUNBOOK_VAR_db_password=" + secret}, args...)
		if r.code == exitOK {
			t.Errorf("%v: exit 0; the runbook fails on purpose", args)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%v printed the secret:\n%s%s", args, r.stdout, r.stderr)
		}
		if args[0] == "run" && !strings.Contains(r.stdout, "(sensitive)") {
			t.Errorf("%v: expected (sensitive) in place of the secret:\n%s", args, r.stdout)
		}
	}
}

func TestBlockRescueAndAlways(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/block")
	f := r.finished()
	if f["task.step2@localhost"] != "failed" || f["task.rollback@localhost"] != "changed" || f["task.cleanup@localhost"] != "changed" {
		t.Fatalf("statuses: %v", f)
	}
	if f["task.step3@localhost"] != "skipped" {
		t.Fatalf("step3 after the failure: %s, want skipped", f["task.step3@localhost"])
	}
	for _, name := range []string{"rolled-back", "always", "after"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s missing: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "step1")); !os.IsNotExist(err) {
		t.Errorf("rollback did not undo step1")
	}
	// The rescue cleared the failure: the run is not an error.
	if r.code != exitChanges {
		t.Fatalf("exit %d, want 2 (rescued)\n%s", r.code, r.stdout)
	}
	var recap map[string]any
	for _, ev := range r.events {
		if ev["type"] == "run_finished" {
			recap = ev["recap"].([]any)[0].(map[string]any)
		}
	}
	if recap["rescued"] != float64(1) || recap["failed"] != float64(0) {
		t.Fatalf("recap: %v", recap)
	}
}

func TestForEachAndRetries(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/foreach")
	f := r.finished()
	if f["task.per_db[alpha]@localhost"] != "changed" || f["task.per_db[beta]@localhost"] != "changed" {
		t.Fatalf("for_each: %v", f)
	}
	if f["task.summary@localhost"] != "changed" {
		t.Fatalf("summary: %v", f)
	}
	r = run(t, nil, "run", "--json", "--var", "dir="+dir, "testdata/retry")
	retries := 0
	for _, ev := range r.events {
		if ev["type"] == "task_retry" {
			retries++
		}
	}
	if retries != 2 || r.finished()["task.flaky@localhost"] != "changed" {
		t.Fatalf("retries %d (want 2), status %s\n%s", retries, r.finished()["task.flaky@localhost"], r.stdout)
	}
}

func TestInterruptThenResume(t *testing.T) {
	dir := t.TempDir()
	work := t.TempDir() // the journal goes under the working directory
	rb, _ := filepath.Abs("testdata/resume")
	cmd := exec.Command(binary, "run", "--json", "--var", "dir="+dir, rb)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "RUNBOOK_STATE_DIR="+work)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the slow task is running.
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "slow-started")); err == nil {
			break
		}
		if i > 200 {
			t.Fatal("slow task never started")
		}
		time.Sleep(25 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("interrupted run: %v, want exit 1\n%s", err, out.String())
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	if string(log) != "first\nslow\n" {
		t.Fatalf("after the interrupt the log is %q: the running task should finish, nothing new should start", log)
	}
	var runID string
	for _, l := range strings.Split(out.String(), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(l), &ev) == nil && ev["type"] == "run_started" {
			runID = ev["run_id"].(string)
		}
	}
	journalPath := filepath.Join(work, "runs", runID+".jsonl")
	st, err := os.Stat(journalPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("journal %s: %v, mode %v", journalPath, err, st)
	}

	cmd = exec.Command(binary, "run", "--json", "--resume", runID, "--var", "dir="+dir, rb)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "RUNBOOK_STATE_DIR="+work)
	out.Reset()
	cmd.Stdout = &out
	err = cmd.Run()
	if !errors.As(err, &ee) || ee.ExitCode() != exitChanges {
		t.Fatalf("resumed run: %v, want exit 2\n%s", err, out.String())
	}
	log, _ = os.ReadFile(filepath.Join(dir, "log"))
	want := "first\nslow\nhandler\nlast saw first-output\n"
	if string(log) != want && string(log) != "first\nslow\nlast saw first-output\nhandler\n" {
		t.Fatalf("after resume the log is %q, want first and slow once, then the pending handler and last (with first's journaled output)", log)
	}
}

func TestFleetSemantics(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "run", "--json", "-i", "testdata/fleet.inventory.hcl", "--var", "dir="+dir, "testdata/fleet")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1 (w2 fails)\n%s", r.code, r.stdout)
	}
	rolling, _ := os.ReadFile(filepath.Join(dir, "rolling"))
	want := "start w1\nend w1\nstart w2\nend w2\nstart w3\nend w3\nstart w4\nend w4\n"
	if string(rolling) != want {
		t.Errorf("serial = 1 did not roll one host at a time:\n%s", rolling)
	}
	f := r.finished()
	if f["task.maybe_break@w2"] != "failed" {
		t.Errorf("maybe_break@w2: %s", f["task.maybe_break@w2"])
	}
	for _, h := range []string{"w1", "w3", "w4"} {
		if _, err := os.Stat(filepath.Join(dir, "after-"+h)); err != nil {
			t.Errorf("%s did not go on after w2 failed: %v", h, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "after-w2")); err == nil {
		t.Errorf("w2 ran a later task after it failed")
	}
	if n := len(r.withStatus("failed")); n != 1 {
		t.Errorf("%d failures reported, want 1: %v", n, r.withStatus("failed"))
	}
	once, _ := os.ReadFile(filepath.Join(dir, "once"))
	if string(once) != "w1\n" {
		t.Errorf("run_once ran on %q, want only w1", once)
	}
	// The control-node task that gathers every host's after_break needs
	// the one on w2, which w2's failure skipped: it is skipped too, saying
	// why, rather than run on a partial fleet.
	if _, err := os.Stat(filepath.Join(dir, "gathered")); err == nil {
		t.Errorf("gather ran although after_break never ran on w2")
	}
	if ev := r.event("task_finished", "task.gather"); ev == nil || ev["status"] != "skipped" ||
		ev["reason"] != "needs task.after_break on w2, which was skipped: task.maybe_break on w2 failed" {
		t.Errorf("gather: %v", ev)
	}
	delegated, _ := os.ReadFile(filepath.Join(dir, "delegated"))
	if strings.Count(string(delegated), "for ") != 3 || strings.Contains(string(delegated), "for w2") {
		t.Errorf("delegate_to ran %q, want w1, w3, w4 (w2 failed)", delegated)
	}
	var recap []any
	for _, ev := range r.events {
		if ev["type"] == "run_finished" {
			recap = ev["recap"].([]any)
		}
	}
	for _, x := range recap {
		h := x.(map[string]any)
		if h["host"] == "w2" && h["failed"] != float64(1) {
			t.Errorf("recap w2: %v", h)
		}
	}
}

func TestMaxFailPercentageStopsTheRollout(t *testing.T) {
	dir := t.TempDir()
	rb := t.TempDir()
	src := `
variable "dir" {
  type = string
}
task "upgrade" {
  hosts               = group.web
  serial              = 1
  max_fail_percentage = 0
  shell {
    cmd = "echo ${host.name} >> '${var.dir}/upgraded'; [ ${host.name} != w2 ]"
  }
}
`
	if err := os.WriteFile(filepath.Join(rb, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "run", "--json", "-i", "testdata/fleet.inventory.hcl", "--var", "dir="+dir, rb)
	up, _ := os.ReadFile(filepath.Join(dir, "upgraded"))
	if string(up) != "w1\nw2\n" || r.code != exitError {
		t.Fatalf("rollout went on after w2 failed: %q (exit %d)", up, r.code)
	}
	if st := r.finished()["task.upgrade@w3"]; st != "skipped" {
		t.Fatalf("w3: %s, want skipped", st)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
