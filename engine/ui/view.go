package ui

import (
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"
	"golang.org/x/term"

	"github.com/runbook-dev/runbook/engine/event"
)

// View is what the command line talks to: a sink for the engine's events
// plus the diagnostics found before anything ran. Human and JSON implement
// it.
type View interface {
	event.Sink
	// Diagnostics renders problems found while loading and validating
	// (files maps file names to parsed files, for source snippets).
	Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File)
}

var (
	_ View = (*Human)(nil)
	_ View = (*JSON)(nil)
)

// ColorMode says when the human renderer uses ANSI colours.
type ColorMode int

const (
	// ColorAuto colours only when the writer is a terminal, NO_COLOR is
	// unset and TERM is not "dumb".
	ColorAuto ColorMode = iota
	// ColorNever never colours (--no-color).
	ColorNever
	// ColorAlways colours whatever the writer is.
	ColorAlways
)

// Options tune the human renderer.
type Options struct {
	Color ColorMode
	// Verbosity is -v counted, as in Ansible: 1 prints every line of task
	// output, prefixed by task and host; 2 also a line when an instance
	// starts and where each task is declared; 3 also every connection
	// opened and every command run on a host (when the engine traces).
	Verbosity int
	// NoProgress turns off the live status line even on a terminal.
	NoProgress bool
	// Width is the width used to wrap and truncate; 0 asks the terminal,
	// falling back to 80.
	Width int
	// Getenv reads the environment (NO_COLOR, TERM); nil means os.Getenv.
	Getenv func(string) string
}

// fdWriter is a writer backed by a file descriptor, like *os.File.
type fdWriter interface {
	Fd() uintptr
}

// isTerminal reports whether w writes to a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(fdWriter)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// terminalWidth is the width of the terminal behind w, or 0.
func terminalWidth(w io.Writer) int {
	f, ok := w.(fdWriter)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// UseColor decides whether output to w gets colour under mode, reading
// NO_COLOR (https://no-color.org) and TERM through getenv (nil: os.Getenv).
func UseColor(w io.Writer, mode ColorMode, getenv func(string) string) bool {
	switch mode {
	case ColorNever:
		return false
	case ColorAlways:
		return true
	}
	getenv = getenvOr(getenv)
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// normalize turns a pointer to an event struct into the struct, so
// renderers switch over one form whichever the engine emitted.
func normalize(e event.Event) event.Event {
	switch p := e.(type) {
	case *event.RunStarted:
		return derefOr(p, e)
	case *event.TaskStarted:
		return derefOr(p, e)
	case *event.TaskOutput:
		return derefOr(p, e)
	case *event.TaskRetry:
		return derefOr(p, e)
	case *event.TaskFinished:
		return derefOr(p, e)
	case *event.Warning:
		return derefOr(p, e)
	case *event.Interrupted:
		return derefOr(p, e)
	case *event.RunFinished:
		return derefOr(p, e)
	case *event.Diagnostic:
		return derefOr(p, e)
	}
	return e
}

func derefOr[T event.Event](p *T, orig event.Event) event.Event {
	if p == nil {
		return orig
	}
	return *p
}

// getenvOr is getenv, or os.Getenv when it is nil.
func getenvOr(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}
