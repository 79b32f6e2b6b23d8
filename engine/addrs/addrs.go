// Package addrs owns the typed addresses of everything a runbook expression
// can refer to (var.x, local.x, task.x, handler.x, host, group.x, each,
// self, runbook) and ParseRef, which turns an hcl.Traversal into one.
//
// It does not evaluate anything and does not know whether the thing named
// exists; engine/core checks that against the loaded runbook and inventory.
package addrs

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Referenceable is anything a reference can point at.
type Referenceable interface {
	String() string
	referenceable()
}

// InputVariable is var.NAME.
type InputVariable struct{ Name string }

// LocalValue is local.NAME.
type LocalValue struct{ Name string }

// Task is task.NAME.
type Task struct{ Name string }

// Handler is handler.NAME.
type Handler struct{ Name string }

// Group is group.NAME: an inventory group.
type Group struct{ Name string }

// HostObj is host: the host the task instance runs for (host.name,
// host.vars.k, host.groups).
type HostObj struct{}

// Each is each.key or each.value inside a for_each task.
type Each struct{ Attr string }

// Self is self: the result of the current task instance, in until,
// changed_when and failed_when.
type Self struct{}

// RunbookObj is runbook: facts about the run (runbook.dir, runbook.check_mode).
type RunbookObj struct{}

func (v InputVariable) String() string { return "var." + v.Name }
func (v LocalValue) String() string    { return "local." + v.Name }
func (v Task) String() string          { return "task." + v.Name }
func (v Handler) String() string       { return "handler." + v.Name }
func (v Group) String() string         { return "group." + v.Name }
func (HostObj) String() string         { return "host" }
func (v Each) String() string          { return "each." + v.Attr }
func (Self) String() string            { return "self" }
func (RunbookObj) String() string      { return "runbook" }

func (InputVariable) referenceable() {}
func (LocalValue) referenceable()    {}
func (Task) referenceable()          {}
func (Handler) referenceable()       {}
func (Group) referenceable()         {}
func (HostObj) referenceable()       {}
func (Each) referenceable()          {}
func (Self) referenceable()          {}
func (RunbookObj) referenceable()    {}

// Reference is a parsed reference: what it points at, where it was written,
// and the rest of the traversal (e.g. .outputs.path after task.x).
type Reference struct {
	Subject     Referenceable
	SourceRange hcl.Range
	Remaining   hcl.Traversal
}

// ParseRef parses a traversal that starts with one of the root names.
func ParseRef(t hcl.Traversal) (*Reference, hcl.Diagnostics) {
	root := t.RootName()
	rng := t.SourceRange()
	rest := t[1:]

	named := func(kind string) (string, hcl.Traversal, hcl.Diagnostics) {
		if len(rest) == 0 {
			return "", nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference",
				Detail:   fmt.Sprintf("The %q object cannot be used alone: name a %s, as in %s.NAME.", root, kind, root),
				Subject:  rng.Ptr(),
			}}
		}
		switch step := rest[0].(type) {
		case hcl.TraverseAttr:
			return step.Name, rest[1:], nil
		default:
			return "", nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference",
				Detail:   fmt.Sprintf("A %s name must follow %q with a dot, as in %s.NAME.", kind, root, root),
				Subject:  rest[0].SourceRange().Ptr(),
			}}
		}
	}

	var subj Referenceable
	var remain hcl.Traversal
	switch root {
	case "var", "local", "task", "handler", "group":
		kind := map[string]string{"var": "variable", "local": "local value", "task": "task", "handler": "handler", "group": "group"}[root]
		name, r, diags := named(kind)
		if diags.HasErrors() {
			return nil, diags
		}
		remain = r
		switch root {
		case "var":
			subj = InputVariable{name}
		case "local":
			subj = LocalValue{name}
		case "task":
			subj = Task{name}
		case "handler":
			subj = Handler{name}
		case "group":
			subj = Group{name}
		}
		rng = hcl.RangeBetween(t[0].SourceRange(), t[1].SourceRange())
	case "each":
		name, r, diags := named("attribute")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "key" && name != "value" {
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid \"each\" attribute",
				Detail:   "The \"each\" object has only the attributes \"key\" and \"value\".",
				Subject:  t[1].SourceRange().Ptr(),
			}}
		}
		subj, remain = Each{name}, r
	case "host":
		subj, remain = HostObj{}, rest
	case "self":
		subj, remain = Self{}, rest
	case "runbook":
		subj, remain = RunbookObj{}, rest
	default:
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unknown reference",
			Detail:   fmt.Sprintf("There is no %q in this context. A reference starts with var., local., task., handler., group., host, each, self or runbook.", root),
			Subject:  t[0].SourceRange().Ptr(),
		}}
	}
	return &Reference{Subject: subj, SourceRange: rng, Remaining: remain}, nil
}

// References parses every traversal, collecting diagnostics.
func References(ts []hcl.Traversal) ([]*Reference, hcl.Diagnostics) {
	var refs []*Reference
	var diags hcl.Diagnostics
	for _, t := range ts {
		r, d := ParseRef(t)
		diags = append(diags, d...)
		if r != nil {
			refs = append(refs, r)
		}
	}
	return refs, diags
}

// ParseTaskOrHandler parses a static traversal naming a task or handler, as
// used by depends_on and notify.
func ParseTaskOrHandler(t hcl.Traversal) (Referenceable, hcl.Diagnostics) {
	r, diags := ParseRef(t)
	if diags.HasErrors() {
		return nil, diags
	}
	switch r.Subject.(type) {
	case Task, Handler:
		if len(r.Remaining) == 0 {
			return r.Subject, nil
		}
	}
	return nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid task or handler reference",
		Detail:   "Only task.NAME or handler.NAME can be given here.",
		Subject:  t.SourceRange().Ptr(),
	}}
}
