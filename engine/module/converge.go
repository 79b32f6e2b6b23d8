package module

import (
	"context"

	"github.com/zclconf/go-cty/cty"
)

// A run plans an instance and then applies the plan: two visits to the
// host at least, each a round trip on a network. A module that can look and
// change in one visit (one command that checks the host and changes it only
// where it differs, as a shell's `test -e x || make x` does) implements
// Converger, and in a run the engine calls Converge where it would call
// Plan and then Apply.
//
// The contract, which the shared conformance suite (moduletest.Converge)
// checks on a real host for every module that implements it:
//   - Converge does what Plan followed by Apply would do, and reports it
//     the same way: on a host already as asked it changes nothing and
//     says so (Action NoOp, with the plan's Reason and Outputs); otherwise
//     it makes the change (Action Change) and returns what Apply would
//     (Changed, Outputs) with the diff Plan would have shown.
//   - What Converge decides on the host it decides there, in the same
//     command that changes it: it never changes what a plan would not.
//   - A module that cannot do a request in one step (an unusual file, an
//     option that needs a second look) plans and applies as usual inside
//     Converge: the engine does not know the difference.
//
// The engine never calls Converge in a check, for a task that runs in
// check mode in a run (check_mode = true), or for a task run only as a
// read because a selected task needs it; those plan. A module's error from
// Converge fails the task as an error of Apply does (changed_when,
// failed_when, until, retries and ignore_errors apply), and a retry calls
// Converge again, which looks at the host again.
type Converger interface {
	Converge(ctx context.Context, req *ConvergeRequest) *ConvergeResponse
}

// ConvergeRequest asks a module to make the host as asked in one step.
type ConvergeRequest struct {
	Request
}

// ConvergeResponse is what Converge found and did.
type ConvergeResponse struct {
	// Action is NoOp (the host was as asked: nothing was done) or Change
	// (the change was made, or attempted when Err is set).
	Action Action
	// Reason, for NoOp, is the line a plan would give ("/etc/x exists").
	Reason string
	// Changed, for Change, is Apply's Changed.
	Changed bool
	// Outputs are the task's outputs, as a NoOp plan or Apply gives them.
	Outputs cty.Value
	// Diff is what changed (what Plan would have shown), for --diff.
	Diff *Diff
	// Err, when set, fails the task on this host.
	Err error
}

// ConvergeByPlan is what a Converger does when a request needs the usual
// two steps: plan, and apply when the plan says so.
func ConvergeByPlan(ctx context.Context, m Module, req *ConvergeRequest) *ConvergeResponse {
	plan := m.Plan(ctx, &PlanRequest{Request: req.Request})
	if plan == nil {
		return nil
	}
	if plan.Err != nil {
		return &ConvergeResponse{Action: Change, Err: plan.Err}
	}
	if plan.Action == NoOp {
		return &ConvergeResponse{Action: NoOp, Reason: plan.Reason, Outputs: plan.Outputs}
	}
	resp := m.Apply(ctx, &ApplyRequest{Request: req.Request, Planned: plan})
	if resp == nil {
		return nil
	}
	diff := plan.Diff
	if resp.Diff != nil {
		diff = resp.Diff
	}
	return &ConvergeResponse{Action: Change, Changed: resp.Changed, Outputs: resp.Outputs, Diff: diff, Err: resp.Err}
}
