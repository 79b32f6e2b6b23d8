// Package config owns the decoding of a runbook folder's HCL files into
// Runbook, Variable, Local, Task and Block structs, with exact source
// ranges for every part.
//
// It does not evaluate expressions (meta-arguments and module bodies are
// kept as hcl.Expression and hcl.Body), does not know module schemas beyond
// their names, and does not look at inventories. engine/core validates and
// evaluates what this package decodes.
package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// Runbook is a decoded runbook folder.
type Runbook struct {
	Dir   string
	Files map[string]*hcl.File

	Description string
	// Serial, MaxFailPercentage and AnyErrorsFatal from the runbook block
	// apply to every task that does not set its own.
	Serial            hcl.Expression
	MaxFailPercentage hcl.Expression
	AnyErrorsFatal    hcl.Expression
	BecomePassword    hcl.Expression
	// ReadOnlyWhenUnchanged: every task with changed_when = false is read
	// only (see Task.ReadOnly), so that a check runs it and a runbook
	// that has converged checks to exit 0.
	ReadOnlyWhenUnchanged bool

	Variables map[string]*Variable
	VarOrder  []string
	Locals    map[string]*Local
	LocalList []*Local

	// Tasks holds every task, including those inside blocks, in
	// declaration order; Handlers every handler.
	Tasks    []*Task
	Handlers []*Task
	Blocks   []*Block

	byName map[string]*Task
	byHdl  map[string]*Task
}

// Task returns the task named name.
func (r *Runbook) Task(name string) *Task { return r.byName[name] }

// Handler returns the handler named name.
func (r *Runbook) Handler(name string) *Task { return r.byHdl[name] }

// Variable is a variable block.
type Variable struct {
	Name         string
	Description  string
	Type         cty.Type
	TypeDefaults *typeexpr.Defaults
	Default      cty.Value // cty.NilVal when there is none: the variable is required
	Sensitive    bool
	Validations  []*Validation
	DeclRange    hcl.Range
	TypeRange    hcl.Range
}

// Validation is a validation block inside a variable.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Local is one attribute of a locals block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Kind tells tasks from handlers.
type Kind int

const (
	KindTask Kind = iota
	KindHandler
)

// Section is where in a block a task sits.
type Section int

const (
	SectionMain Section = iota
	SectionRescue
	SectionAlways
)

func (s Section) String() string {
	return [...]string{"block", "rescue", "always"}[s]
}

// Task is a task or handler block.
type Task struct {
	Name string
	Kind Kind

	// Module is the type of the task's one nested block, Body its body.
	Module      string
	Body        hcl.Body
	ModuleRange hcl.Range

	// Meta-arguments; nil when not set.
	Hosts       hcl.Expression
	When        hcl.Expression
	ForEach     hcl.Expression
	RunOnce     hcl.Expression
	DelegateTo  hcl.Expression
	Retries     hcl.Expression
	Delay       hcl.Expression
	Until       hcl.Expression
	Timeout     hcl.Expression
	ChangedWhen hcl.Expression
	FailedWhen  hcl.Expression
	CheckMode   hcl.Expression
	// ReadOnly: the task only reads. It runs for real in a check (its
	// outputs are then real) and is never reported as changed.
	ReadOnly hcl.Expression
	// Sensitive (Ansible's no_log) hides everything the task shows: its
	// output, reasons, diffs and errors; its outputs are sensitive values.
	Sensitive         hcl.Expression
	Serial            hcl.Expression
	MaxFailPercentage hcl.Expression
	AnyErrorsFatal    hcl.Expression
	Become            hcl.Expression
	BecomeUser        hcl.Expression
	IgnoreErrors      hcl.Expression
	// Container runs the task's commands inside a container on the host:
	// a name, or { name, runtime, user }.
	Container hcl.Expression

	DependsOn []hcl.Traversal
	Notify    []hcl.Traversal
	Tags      []string

	Block   *Block
	Section Section

	DeclRange hcl.Range // the block header
	NameRange hcl.Range // the label
}

// Addr is "task.NAME" or "handler.NAME".
func (t *Task) Addr() string {
	if t.Kind == KindHandler {
		return "handler." + t.Name
	}
	return "task." + t.Name
}

// Block is a block { } of tasks with rescue and always groups.
type Block struct {
	Name      string // optional label
	NameRange hcl.Range
	Index     int
	Hosts     hcl.Expression // default hosts for the tasks inside
	Tasks     []*Task
	Rescue    []*Task
	Always    []*Task
	DeclRange hcl.Range
}

// Label names the block in messages.
func (b *Block) Label() string {
	if b.Name != "" {
		return "block." + b.Name
	}
	return "block#" + itoa(b.Index)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
