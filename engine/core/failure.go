package core

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// runError is why an instance failed at run time: the module's own error
// (or another plain one), and the diagnostics of expressions or arguments
// that failed, kept whole so that the views show their file, position and
// snippet. Neither replaces the other: an until that cannot be evaluated
// after the module failed reports both.
type runError struct {
	err   error
	diags hcl.Diagnostics
}

func (e *runError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return diagText(e.diags)
}

func (e *runError) Unwrap() error { return e.err }

// diagsError is a failure made of diagnostics only.
func diagsError(diags hcl.Diagnostics) error {
	return &runError{diags: errorsOnly(diags)}
}

// exprError is a failure of one expression, at its range.
func exprError(expr hcl.Expression, summary, detail string) error {
	return diagsError(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: exprRange(expr)}})
}

// withDiags adds diagnostics to a failure (err may be nil), keeping what
// it already held first.
func withDiags(err error, diags hcl.Diagnostics) error {
	diags = errorsOnly(diags)
	if len(diags) == 0 {
		return err
	}
	if err == nil {
		return &runError{diags: diags}
	}
	var re *runError
	if errors.As(err, &re) {
		return &runError{err: re.err, diags: append(append(hcl.Diagnostics(nil), re.diags...), diags...)}
	}
	return &runError{err: err, diags: diags}
}

// failureDiags returns the diagnostics a failure carries.
func failureDiags(err error) hcl.Diagnostics {
	var re *runError
	if errors.As(err, &re) {
		return re.diags
	}
	return nil
}

func errorsOnly(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d != nil && d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}

// diagText is diags on one line, positions as editors read them
// (main.hcl:6:14), as event.DiagnosticsLine writes them too.
func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if detail, _, _ := strings.Cut(strings.TrimSpace(d.Detail), "\n"); detail != "" {
			s += ": " + detail
		}
		if d.Subject != nil {
			s = fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
