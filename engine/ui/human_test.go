package ui

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
)

func renderHuman(events []event.Event, opts Options) []byte {
	var buf bytes.Buffer
	opts.Width = 100
	h := NewHuman(&buf, opts)
	for _, e := range events {
		h.Emit(e)
	}
	return buf.Bytes()
}

func TestHumanGolden(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got := renderHuman(sc.events, Options{})
			if bytes.Contains(got, []byte("\x1b")) {
				t.Errorf("escape sequence in output to a non-terminal:\n%q", got)
			}
			assertGolden(t, "human_"+sc.name+".golden", got)
		})
	}
}

func TestHumanVerboseGolden(t *testing.T) {
	assertGolden(t, "human_check_verbose.golden", renderHuman(checkRun(), Options{Verbosity: 1}))
}

func TestHumanColorGolden(t *testing.T) {
	assertGolden(t, "human_run_color.golden", renderHuman(applyRun(), Options{Color: ColorAlways}))
}

func TestHumanColorOnOff(t *testing.T) {
	events := append(applyRun(), diffRun()...)
	tests := []struct {
		name   string
		opts   Options
		colour bool
	}{
		{"never", Options{Color: ColorNever}, false},
		{"auto on a buffer", Options{Color: ColorAuto, Getenv: func(string) string { return "" }}, false},
		{"always", Options{Color: ColorAlways}, true},
		{"always beats NO_COLOR", Options{Color: ColorAlways, Getenv: func(string) string { return "1" }}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(renderHuman(events, tt.opts))
			if has := strings.Contains(got, "\x1b["); has != tt.colour {
				t.Fatalf("colour in output = %v, want %v", has, tt.colour)
			}
			if !tt.colour {
				return
			}
			for _, want := range []string{
				sgrYellow + "changed" + sgrReset,
				sgrBoldRed + "failed" + sgrReset,
				sgrMagenta + "rescued" + sgrReset,
				sgrGreen + "+" + sgrReset,
				sgrRed + "-debug = False" + sgrReset,
			} {
				if !strings.Contains(got, want) {
					t.Errorf("coloured output lacks %q", want)
				}
			}
			// Escape sequences a host sent in its stderr are defused even
			// when we colour ourselves.
			if strings.Contains(got, "\x1b[31moslo_db") {
				t.Errorf("host's escape sequence reached the output")
			}
		})
	}
}

func TestUseColorEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}
	var buf bytes.Buffer
	if UseColor(&buf, ColorAuto, env(nil)) {
		t.Error("colour on for a buffer")
	}
	if UseColor(&buf, ColorNever, env(nil)) {
		t.Error("colour on with ColorNever")
	}
	if !UseColor(&buf, ColorAlways, env(map[string]string{"NO_COLOR": "1"})) {
		t.Error("colour off with ColorAlways")
	}
}

func TestHumanSanitizesHostText(t *testing.T) {
	got := string(renderHuman([]event.Event{
		event.TaskFinished{Task: "task.x", Host: "h\x1b]0;pwned\x07", Status: event.StatusSkipped, Reason: "why\rnot \x1b[2J"},
		event.TaskOutput{Task: "task.x", Host: "h", Line: "\x1b[2Jboom"},
	}, Options{Verbosity: 1}))
	if strings.ContainsAny(got, "\x1b\x07\r") {
		t.Fatalf("control characters reached the output: %q", got)
	}
	if !strings.Contains(got, `why\x0dnot \x1b[2J`) || !strings.Contains(got, `\x1b[2Jboom`) {
		t.Fatalf("escaped text missing: %q", got)
	}
}

func TestHumanTaskOutputHiddenByDefault(t *testing.T) {
	got := string(renderHuman(checkRun(), Options{}))
	if strings.Contains(got, "reading /etc/trove/trove.conf") {
		t.Fatalf("task output printed without Verbose off a terminal:\n%s", got)
	}
}

func TestHumanConcurrentEmit(t *testing.T) {
	var buf bytes.Buffer
	h := NewHuman(&buf, Options{})
	h.tty = true // exercise the status line too
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				host := string(rune('a' + w))
				h.Emit(event.TaskStarted{Task: "task.t", Host: host})
				h.Emit(event.TaskOutput{Task: "task.t", Host: host, Line: "working"})
				h.Emit(event.TaskFinished{Task: "task.t", Key: string(rune('0' + i%10)), Host: host, Status: event.StatusOK})
			}
		}()
	}
	wg.Wait()
	h.Emit(event.RunFinished{})
	if n := strings.Count(buf.String(), "  ok "); n != workers*each {
		t.Fatalf("%d task lines, want %d", n, workers*each)
	}
	if !strings.Contains(buf.String(), "ok="+strconv.Itoa(each)) {
		t.Fatalf("recap does not count %d per host:\n%s", each, lastN(buf.String(), 12))
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestHumanWriteError(t *testing.T) {
	h := NewHuman(failingWriter{}, Options{})
	if h.Err() != nil {
		t.Fatal("error before writing")
	}
	h.Emit(event.Warning{Message: "x"})
	if err := h.Err(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Err() = %v, want the write error", err)
	}
}

func TestHumanIgnoresNilEvents(t *testing.T) {
	var buf bytes.Buffer
	h := NewHuman(&buf, Options{})
	h.Emit(nil)
	h.Emit((*event.TaskFinished)(nil))
	h.Emit(&event.Warning{Message: "pointer events render too"})
	if got := buf.String(); got != "Warning: pointer events render too\n" {
		t.Fatalf("got %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.00s"},
		{-time.Second, "0.00s"},
		{420 * time.Millisecond, "0.42s"},
		{12300 * time.Millisecond, "12.30s"},
		{184 * time.Second, "3m04s"},
		{62 * time.Minute, "1h02m"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestInstanceAddr(t *testing.T) {
	tests := []struct{ task, key, want string }{
		{"task.a", "", "task.a"},
		{"task.a", "db1", "task.a[db1]"},
		{"task.a", "0", "task.a[0]"},
		{"task.a", "db two", `task.a["db two"]`},
		{"task.a", `q"x`, `task.a["q\"x"]`},
	}
	for _, tt := range tests {
		if got := instanceAddr(tt.task, tt.key); got != tt.want {
			t.Errorf("instanceAddr(%q, %q) = %q, want %q", tt.task, tt.key, got, tt.want)
		}
	}
}

func lastN(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
