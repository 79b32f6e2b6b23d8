// Package module owns the contract between the engine and the modules that
// do the work of a task: the Module interface, its requests and responses,
// and the Registry the command line fills.
//
// It is a leaf: it imports no other engine package but transport, and knows
// nothing about graphs, inventories or output. Modules themselves live under
// modules/ at the top of the repository.
package module

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Module is one kind of work a task can do, such as running a command or
// creating a Glance image.
//
// Plan looks and never changes anything; Apply makes the change that Plan
// described. The engine always plans first and applies only where the plan
// says something changes, so check mode is the same walk stopped after Plan.
type Module interface {
	Schema() *Schema
	Plan(ctx context.Context, req *PlanRequest) *PlanResponse
	Apply(ctx context.Context, req *ApplyRequest) *ApplyResponse
}

// Schema describes a module's arguments and outputs.
type Schema struct {
	// Args is the hcldec spec of the module block's body (normally an
	// hcldec.ObjectSpec). The engine decodes and type-checks the block
	// against it before anything runs.
	Args hcldec.Spec
	// Rules check the arguments' values beyond their types (rules.go):
	// run at load time on what is known then, and before every Plan.
	Rules []Rule
	// Outputs is the type of the object the module returns. In check mode
	// a task that would change publishes cty.UnknownVal(Outputs).
	Outputs cty.Type
	// Summary is one line for `runbook modules`; Doc is the reference page
	// (markdown) and Example a runbook snippet.
	Summary string
	Doc     string
	Example string
}

// Action is what a plan says Apply would do.
type Action int

const (
	// NoOp: the host is already as asked; Apply is not called.
	NoOp Action = iota
	// Change: Apply would change something.
	Change
	// Unpredictable: the module cannot know without doing it (a command
	// without creates/removes). In a run, Apply is called; in check mode
	// the task reports "cannot predict".
	Unpredictable
)

func (a Action) String() string {
	switch a {
	case NoOp:
		return "no-op"
	case Change:
		return "change"
	default:
		return "unpredictable"
	}
}

// Host is what a module may know about the host it runs for.
type Host struct {
	Name string
	Vars map[string]cty.Value
}

// Request is what Plan and Apply share.
type Request struct {
	// Args is the decoded module block, wholly known and without marks.
	Args cty.Value
	// Sensitive lists the argument paths whose values derive from a
	// sensitive value: a module must not put them in a diff, a message or
	// an error (show "(sensitive)"). The engine also scrubs known secret
	// strings from everything it emits.
	Sensitive []cty.Path
	Host      Host
	// Conn reaches the host the task runs on (the control node for a task
	// without hosts). Become is already applied when the task asks for it.
	Conn transport.Conn
	// Output receives lines of long-running work as they arrive, for
	// progress; may be nil.
	Output func(stream, line string)
	// BaseDir is the runbook's folder: files of the control node named by
	// a relative path (a copy's src, a script) are found there.
	BaseDir string
	// View, in a check, holds what the instances this one depends on plan
	// to leave on the host (view.go); nil in a run and in Apply. A module
	// reads the host through it where it can, so that a check predicts
	// what the run will do instead of seeing the host before the run.
	View View
}

// LocalPath resolves a control-node path: a relative one is taken from the
// runbook's folder, as Ansible takes it from the playbook's.
func (r *Request) LocalPath(p string) string {
	if p == "" || filepath.IsAbs(p) || r.BaseDir == "" {
		return p
	}
	return filepath.Join(r.BaseDir, p)
}

// IsSensitive reports whether the argument at the top-level attribute name
// is, or contains, a sensitive value.
func (r *Request) IsSensitive(name string) bool {
	for _, p := range r.Sensitive {
		if len(p) > 0 {
			if ga, ok := p[0].(cty.GetAttrStep); ok && ga.Name == name {
				return true
			}
		}
	}
	return false
}

// PlanRequest asks a module what it would do.
type PlanRequest struct {
	Request
}

// PlanResponse says what Apply would do.
type PlanResponse struct {
	Action Action
	// Reason is one short line on why, e.g. "/etc/x exists" or
	// "unit is inactive".
	Reason string
	// Diff shows the operator what would change (for --diff).
	Diff *Diff
	// Outputs, when the action is NoOp, are the task's outputs. For a
	// change they may be left null, or hold what is known before Apply
	// (a path) with unknowns for the rest: a check publishes them (or
	// unknowns), a run Apply's outputs.
	Outputs cty.Value
	// Planned, for a change, says what Apply would leave on the host, as
	// facts of the host view (view.go): the plans of the instances that
	// depend on this one read them in a check. A change without facts
	// leaves those plans reading the host as it is.
	Planned []Fact
	// Private carries whatever the module learned while planning to its
	// Apply (never shown, never stored).
	Private any
	// Err, when set, fails the task on this host.
	Err error
}

// ApplyRequest asks a module to make the planned change.
type ApplyRequest struct {
	Request
	Planned *PlanResponse
}

// ApplyResponse is what Apply did.
type ApplyResponse struct {
	Changed bool
	Outputs cty.Value
	Diff    *Diff // optional: what actually changed, when it differs from the plan
	Err     error
}

// Diff is a list of changes to show for --diff.
type Diff struct {
	Items []DiffItem
}

// DiffItem is one changed attribute (or file content).
type DiffItem struct {
	// Name is what changed: "mode", "[DEFAULT] transport_url", "content".
	Name string
	// Before and After are rendered values; empty with Absent set means
	// the thing does not exist on that side.
	Before, After             string
	BeforeAbsent, AfterAbsent bool
	// Unified holds a unified text diff for file content, when it helps.
	Unified string
	// Sensitive items are shown as "(sensitive)" and their values never
	// leave the module.
	Sensitive bool
}

// Add appends an item and returns the diff, creating it if d is nil.
func (d *Diff) Add(item DiffItem) *Diff {
	if d == nil {
		d = &Diff{}
	}
	d.Items = append(d.Items, item)
	return d
}
