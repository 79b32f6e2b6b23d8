package core

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/config"
)

// readOnly says whether a task only reads: `read_only = true`, or
// `changed_when = false` (written as a literal) in a runbook that sets
// `read_only_when_unchanged = true`. A read-only task runs for real in a
// check, so that its outputs are real and a runbook that has converged
// checks to exit 0, and it is never reported as changed.
func (rs *runState) readOnly(t *config.Task, sc func() *hcl.EvalContext) bool {
	if t.ReadOnly != nil {
		v, known, err := evalBool(t.ReadOnly, sc())
		return err == nil && known && v
	}
	return rs.p.l.Runbook.ReadOnlyWhenUnchanged && literalFalse(t.ChangedWhen)
}

// literalFalse is an expression that is false whatever the context.
func literalFalse(e hcl.Expression) bool { return literalBool(e, false) }

// literalTrue is an expression that is true whatever the context.
func literalTrue(e hcl.Expression) bool { return literalBool(e, true) }

// literalBool reports whether e is the bool want whatever the context (it
// refers to nothing).
func literalBool(e hcl.Expression, want bool) bool {
	if e == nil || len(e.Variables()) > 0 {
		return false
	}
	v, d := e.Value(nil)
	return !d.HasErrors() && v.Type() == cty.Bool && v.IsKnown() && !v.IsNull() && v.True() == want
}

// Unpredictable says what instances a check cannot predict count for in
// its exit code (check --unpredictable).
type Unpredictable string

const (
	// UnpredictablePending counts them as pending changes: exit 2 (the
	// default, as a change cannot be ruled out).
	UnpredictablePending Unpredictable = "pending"
	// UnpredictableOK leaves them out of the exit code: a check exits 0
	// when nothing else would change.
	UnpredictableOK Unpredictable = "ok"
	// UnpredictableError makes them fail the check: exit 1.
	UnpredictableError Unpredictable = "error"
)
