package module

import (
	"errors"
	"fmt"
	"strings"
)

// CommandError is a failure of a remote or local command: the engine shows
// the exit status and the tail of stderr.
type CommandError struct {
	Argv   []string // for the message; may be shortened by the module
	RC     int
	Stderr string // full stderr; renderers show its tail
	Msg    string // optional: what the module was doing
}

func (e *CommandError) Error() string {
	var b strings.Builder
	if e.Msg != "" {
		b.WriteString(e.Msg)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "exit status %d", e.RC)
	if tail := Tail(e.Stderr, 5); tail != "" {
		b.WriteString(": ")
		b.WriteString(tail)
	}
	return b.String()
}

// Tail returns the last n non-empty lines of s joined by newlines.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	out := make([]string, 0, n)
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			out = append(out, lines[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return strings.Join(out, "\n")
}

// NotYetError says a plan could not look because the host is not yet in a
// state the plan needs: a file, directory, unit, package, database or
// server that is missing. A check reports such an instance as "cannot
// predict" when a task it waits for would change something first (that
// task may well make what is missing); anywhere else it is a failure like
// any other error. Wrap only errors of that kind: a broken argument, a
// refused permission or a bug must fail a check too.
type NotYetError struct {
	Err error
}

func (e *NotYetError) Error() string { return e.Err.Error() }

func (e *NotYetError) Unwrap() error { return e.Err }

// NotYet marks err as a NotYetError (nil stays nil).
func NotYet(err error) error {
	if err == nil {
		return nil
	}
	return &NotYetError{Err: err}
}

// IsNotYet reports whether err (or anything it wraps) is a NotYetError.
func IsNotYet(err error) bool {
	var ny *NotYetError
	return errors.As(err, &ny)
}
