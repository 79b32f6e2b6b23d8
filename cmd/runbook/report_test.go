package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/runbook-dev/runbook/internal/labtest"
)

// A run with every kind of result: changed, ok, for_each items, an ignored
// error, a failure with stderr, a skip, a diff and a secret.
const reportRunbook = `
variable "dir" {
  type = string
}
variable "token" {
  type      = string
  default   = "s3cr3t-token-value"
  sensitive = true
}
task "prepare" {
  command {
    argv = ["sh", "-c", "sleep 0.3; mkdir -p ${var.dir}"]
  }
}
task "config" {
  copy {
    dest    = "${var.dir}/app.conf"
    content = "port = 8080\n"
  }
  depends_on = [task.prepare]
}
task "items" {
  for_each = ["alpha", "beta", "gamma"]
  command {
    argv = ["sh", "-c", "sleep 0.${length(each.key)}"]
  }
  depends_on = [task.prepare]
}
task "flaky" {
  ignore_errors = true
  command {
    argv = ["sh", "-c", "echo 'tolerated ${var.token}' >&2; exit 3"]
  }
}
task "broken" {
  command {
    argv = ["sh", "-c", "echo 'disk full on /var' >&2; exit 4"]
  }
  depends_on = [task.items]
}
task "after_broken" {
  command {
    argv = ["true"]
  }
  depends_on = [task.broken]
}
task "guarded" {
  when = false
  command {
    argv = ["true"]
  }
}
`

// chromium finds Debian's Chromium, which the lab installs (lab/up.sh
// browser); without it the test skips, or fails under
// RUNBOOK_LAB_REQUIRED=1.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("RUNBOOK_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	labtest.Absent(t, "Chromium is not installed (lab/up.sh browser installs Debian's chromium)")
	return ""
}

// browse loads the page in a real headless Chromium and returns what the
// page's DOM and console said, with a screenshot of the whole page.
type pageResult struct {
	errors     []string // uncaught exceptions and console errors
	ready      string   // body[data-ready], set by the page's script
	bars       string   // body[data-bars], counted by the page's script
	rows       []map[string]string
	summary    string
	screenshot []byte
}

func browse(t *testing.T, page string) pageResult {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var res pageResult
	fail := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s in Chromium: %v", what, err)
		}
	}
	fail("starting", chromedp.Do(ctx)) // starts the browser and its first tab
	_ = chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			res.errors = append(res.errors, e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				res.errors = append(res.errors, "console.error")
			}
		}
	})
	abs, _ := filepath.Abs(page)
	fail("loading "+page, chromedp.Do(ctx, chromedp.Navigate("file://"+abs), chromedp.WaitReady("body")))
	ready, err := chromedp.Run(ctx, chromedp.AttributeValue("body", "data-ready"))
	fail("reading data-ready", err)
	bars, err := chromedp.Run(ctx, chromedp.AttributeValue("body", "data-bars"))
	fail("reading data-bars", err)
	res.ready, res.bars = ready.Value, bars.Value
	res.summary, err = chromedp.Run(ctx, chromedp.Text("#summary"))
	fail("reading the summary", err)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`Array.from(document.querySelectorAll("#instances tr[data-task]")).map(function (r) {
			var c = r.querySelectorAll("td");
			return {task: r.dataset.task, key: r.dataset.key, host: r.dataset.host, status: c[2].innerText, duration: c[4].innerText,
				visible: String(r.offsetParent !== null)};
		})`))
	fail("reading the instances", err)
	res.screenshot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	fail("taking a screenshot", err)
	res.rows = rows
	return res
}

// The report page of a run loads in a real Chromium without errors and
// shows every task instance with its status and duration; sensitive
// values are masked; a screenshot is taken.
func TestReportPageInChromium(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(t.TempDir(), "report.html")
	r := run(t, nil, "run", "--json", "--diff", "--report", page, "--var", "dir="+dir, writeFiles(t, map[string]string{"main.hcl": reportRunbook}))
	if r.code != exitError {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "s3cr3t") {
		t.Fatal("the report shows a sensitive value")
	}
	for _, w := range []string{"(sensitive)", "disk full on /var", "port = 8080", "exit 1"} {
		if !strings.Contains(string(html), w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	// Nothing is fetched from elsewhere: the page is self-contained.
	for _, w := range []string{"http://", "https://", "<link", "src="} {
		if strings.Contains(string(html), w) {
			t.Errorf("the page refers to something outside it: %q", w)
		}
	}

	got := checkReportPage(t, page, r, 9)
	if got.bars != "9" {
		t.Errorf("the timeline has %s bars, want 9", got.bars)
	}
	if !strings.Contains(got.summary, "1 failed") || !strings.Contains(got.summary, "1 error ignored") {
		t.Errorf("summary %q", got.summary)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	if err := os.WriteFile(shot, got.screenshot, 0o644); err != nil || len(got.screenshot) < 10000 {
		t.Errorf("screenshot: %d bytes, %v", len(got.screenshot), err)
	}
	if p := os.Getenv("RUNBOOK_REPORT_SCREENSHOT"); p != "" {
		_ = os.WriteFile(p, got.screenshot, 0o644)
	}

	// runbook report ID writes the same page from the journal.
	var runID string
	for _, ev := range r.events {
		if ev["type"] == "run_started" {
			runID = ev["run_id"].(string)
		}
	}
	again := filepath.Join(t.TempDir(), "again.html")
	if r := run(t, nil, "report", runID, "-o", again); r.code != exitOK {
		t.Fatalf("report %s: exit %d %s", runID, r.code, r.stderr)
	}
	if b, _ := os.ReadFile(again); string(b) != string(html) {
		t.Error("runbook report ID and run --report wrote different pages")
	}
	if r := run(t, nil, "report", "no-such-run"); r.code != exitError || !strings.Contains(r.stderr, "no journal for run") {
		t.Errorf("report of an unknown run: exit %d %s", r.code, r.stderr)
	}
}

// A check leaves a report too (its journal has events only), and cannot
// be resumed.
func TestCheckLeavesAReport(t *testing.T) {
	rb := writeFiles(t, map[string]string{"main.hcl": reportRunbook})
	r := run(t, nil, "check", "--json", "--var", "dir="+t.TempDir(), rb)
	var runID string
	for _, ev := range r.events {
		if ev["type"] == "run_started" {
			runID = ev["run_id"].(string)
		}
	}
	out := filepath.Join(t.TempDir(), "check.html")
	if r := run(t, nil, "report", runID, "-o", out); r.code != exitOK {
		t.Fatalf("report of a check: exit %d %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), ">check<") || !strings.Contains(string(b), "cannot predict") {
		t.Errorf("the check's page does not say it is a check")
	}
	if r := run(t, nil, "run", "--resume", runID, "--var", "dir="+t.TempDir(), rb); r.code != exitError || !strings.Contains(r.stderr, "was a check") {
		t.Errorf("resuming a check: exit %d %s", r.code, r.stderr)
	}
}

func statusWord(v any) string {
	switch v {
	case "would_change":
		return "would change"
	case "unpredictable":
		return "cannot predict"
	}
	s, _ := v.(string)
	return s
}

// checkReportPage loads a run's report page in Chromium and checks that
// it loaded without errors and shows every instance the run finished (as
// its JSON events say), with its status and duration, and a bar for each
// on the timeline. want is the number of instances expected (0: any).
func checkReportPage(t *testing.T, page string, r runOut, want int) pageResult {
	t.Helper()
	got := browse(t, page)
	if len(got.errors) > 0 || got.ready != "1" {
		t.Fatalf("the page did not load cleanly: errors %v, ready %q", got.errors, got.ready)
	}
	finished := map[string]string{}
	for _, ev := range r.events {
		if ev["type"] != "task_finished" {
			continue
		}
		key, _ := ev["key"].(string)
		finished[ev["task"].(string)+"["+key+"]@"+ev["host"].(string)] = statusWord(ev["status"])
	}
	if want > 0 && len(finished) != want {
		t.Fatalf("the run finished %d instances, want %d: %v", len(finished), want, finished)
	}
	seen := map[string]bool{}
	for _, row := range got.rows {
		id := row["task"] + "[" + row["key"] + "]@" + row["host"]
		seen[id] = true
		if w, ok := finished[id]; !ok || row["status"] != w || row["duration"] == "" || row["visible"] != "true" {
			t.Errorf("row %v: want status %q", row, w)
		}
	}
	for id := range finished {
		if !seen[id] {
			t.Errorf("the page does not show %s", id)
		}
	}
	if got.bars != fmt.Sprint(len(finished)) {
		t.Errorf("the timeline has %s bars for %d instances", got.bars, len(finished))
	}
	return got
}
