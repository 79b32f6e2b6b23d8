package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/internal/didyoumean"
)

// metaArgs are the arguments every task and handler may set next to its
// module block. Their meaning follows Ansible's where Ansible has one.
var metaArgs = []string{
	"hosts", "when", "for_each", "run_once", "delegate_to", "retries", "delay", "until", "timeout",
	"changed_when", "failed_when", "check_mode", "serial", "max_fail_percentage", "any_errors_fatal",
	"become", "become_user", "ignore_errors", "depends_on", "notify", "tags", "container", "read_only",
	"sensitive",
}

func (l *Loader) taskSchema(body hcl.Body) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, n := range metaArgs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
	}
	seen := map[string]bool{}
	for _, m := range l.Modules {
		seen[m] = true
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: m})
	}
	// Unknown block types are accepted by the schema so that the decoder can
	// report them as unknown modules, with a better message than hcl's.
	if sb, ok := body.(*hclsyntax.Body); ok {
		for _, b := range sb.Blocks {
			if !seen[b.Type] {
				seen[b.Type] = true
				s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b.Type, LabelNames: labelNames(len(b.Labels))})
			}
		}
	}
	return s
}

func labelNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("label%d", i)
	}
	return out
}

func (l *Loader) isModule(name string) bool {
	for _, m := range l.Modules {
		if m == name {
			return true
		}
	}
	return false
}

func (l *Loader) decodeTask(blk *hcl.Block, parent *Block, sec Section) (*Task, hcl.Diagnostics) {
	t := &Task{
		Name: blk.Labels[0], Kind: KindTask, Block: parent, Section: sec,
		DeclRange: blk.DefRange, NameRange: blk.LabelRanges[0],
	}
	if blk.Type == "handler" {
		t.Kind = KindHandler
	}
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(t.Name) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid %s name", blk.Type),
			Detail:  "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.",
			Subject: blk.LabelRanges[0].Ptr(),
		})
	}
	content, d := blk.Body.Content(l.taskSchema(blk.Body))
	suggestArguments(d, metaArgs)
	diags = append(diags, d...)
	if content == nil {
		return nil, diags
	}

	for _, mb := range content.Blocks {
		if !l.isModule(mb.Type) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Unknown module %q", mb.Type),
				Detail:   fmt.Sprintf("The %s %q uses a module that does not exist. %s", blk.Type, t.Name, suggestModule(mb.Type, l.Modules)),
				Subject:  mb.TypeRange.Ptr(),
			})
			continue
		}
		if len(mb.Labels) > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Unexpected module block label",
				Detail:  fmt.Sprintf("A %s block takes no label.", mb.Type),
				Subject: mb.LabelRanges[0].Ptr(),
			})
			continue
		}
		if t.Module != "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "More than one module in a task",
				Detail:  fmt.Sprintf("The %s %q already runs the %s module (at %s); a task runs exactly one module. Split it into two tasks.", blk.Type, t.Name, t.Module, t.ModuleRange),
				Subject: mb.TypeRange.Ptr(),
			})
			continue
		}
		t.Module, t.Body, t.ModuleRange = mb.Type, mb.Body, mb.DefRange
	}
	if t.Module == "" && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Missing module block",
			Detail:  fmt.Sprintf("The %s %q has no module block: put exactly one, such as command { argv = [...] }, inside it.", blk.Type, t.Name),
			Subject: blk.DefRange.Ptr(),
		})
	}

	a := content.Attributes
	get := func(n string) hcl.Expression {
		if x, ok := a[n]; ok {
			return x.Expr
		}
		return nil
	}
	t.Hosts, t.When, t.ForEach, t.RunOnce = get("hosts"), get("when"), get("for_each"), get("run_once")
	t.DelegateTo, t.Retries, t.Delay, t.Until = get("delegate_to"), get("retries"), get("delay"), get("until")
	t.Timeout, t.ChangedWhen, t.FailedWhen, t.CheckMode = get("timeout"), get("changed_when"), get("failed_when"), get("check_mode")
	t.Serial, t.MaxFailPercentage, t.AnyErrorsFatal = get("serial"), get("max_fail_percentage"), get("any_errors_fatal")
	t.Become, t.BecomeUser, t.IgnoreErrors = get("become"), get("become_user"), get("ignore_errors")
	t.Container = get("container")
	t.ReadOnly = get("read_only")
	t.Sensitive = get("sensitive")

	if x, ok := a["depends_on"]; ok {
		ts, d := staticTraversals(x.Expr, "depends_on")
		diags = append(diags, d...)
		t.DependsOn = ts
	}
	if x, ok := a["notify"]; ok {
		ts, d := staticTraversals(x.Expr, "notify")
		diags = append(diags, d...)
		t.Notify = ts
		if t.Kind == KindHandler {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Handlers cannot notify", Detail: "A handler runs after the tasks that notified it; it cannot notify other handlers.", Subject: x.NameRange.Ptr()})
		}
	}
	if x, ok := a["tags"]; ok {
		v, d := x.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			tags, ok := stringList(v)
			if !ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid tags", Detail: "tags must be a list of string literals.", Subject: x.Expr.Range().Ptr()})
			}
			t.Tags = tags
		}
	}
	return t, diags
}

func staticTraversals(expr hcl.Expression, what string) ([]hcl.Traversal, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(expr)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid " + what, Detail: what + " must be a list of task.NAME or handler.NAME references.", Subject: expr.Range().Ptr()}}
	}
	var out []hcl.Traversal
	for _, e := range exprs {
		tr, d := hcl.AbsTraversalForExpr(e)
		if d.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + what + " reference", Detail: what + " takes plain references like task.NAME or handler.NAME, not expressions.", Subject: e.Range().Ptr()})
			continue
		}
		out = append(out, tr)
	}
	return out, diags
}

func stringList(v cty.Value) ([]string, bool) {
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		s, ok := stringValue(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

var blockSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "hosts"}, {Name: "name"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "task", LabelNames: []string{"name"}},
		{Type: "rescue"},
		{Type: "always"},
	},
}

var sectionSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "task", LabelNames: []string{"name"}}},
}

func (l *Loader) decodeBlock(blk *hcl.Block, index int) (*Block, hcl.Diagnostics) {
	b := &Block{Index: index, DeclRange: blk.DefRange}
	content, diags := blk.Body.Content(blockSchema)
	if content == nil {
		return nil, diags
	}
	if a, ok := content.Attributes["hosts"]; ok {
		b.Hosts = a.Expr
	}
	if a, ok := content.Attributes["name"]; ok {
		// A name, as Ansible's block name: messages say block.NAME.
		v, d := a.Expr.Value(nil)
		name, ok := stringValue(v)
		if d.HasErrors() || !ok || !hclsyntax.ValidIdentifier(name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid block name",
				Detail: "A block name is a string literal that is a valid name (letters, digits, underscores, dashes).", Subject: a.Expr.Range().Ptr()})
		} else {
			b.Name, b.NameRange = name, a.Expr.Range()
		}
	}
	var rescue, always *hcl.Block
	for _, sub := range content.Blocks {
		switch sub.Type {
		case "task":
			t, d := l.decodeTask(sub, b, SectionMain)
			diags = append(diags, d...)
			if t != nil {
				b.Tasks = append(b.Tasks, t)
			}
		case "rescue", "always":
			prev := &rescue
			if sub.Type == "always" {
				prev = &always
			}
			if *prev != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + sub.Type + " block", Detail: fmt.Sprintf("A block has at most one %s group; the first is at %s.", sub.Type, (*prev).DefRange), Subject: sub.DefRange.Ptr()})
				continue
			}
			*prev = sub
			c, d := sub.Body.Content(sectionSchema)
			diags = append(diags, d...)
			sec := SectionRescue
			if sub.Type == "always" {
				sec = SectionAlways
			}
			for _, tb := range c.Blocks {
				t, d := l.decodeTask(tb, b, sec)
				diags = append(diags, d...)
				if t == nil {
					continue
				}
				if sec == SectionRescue {
					b.Rescue = append(b.Rescue, t)
				} else {
					b.Always = append(b.Always, t)
				}
			}
		}
	}
	if len(b.Tasks) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty block", Detail: "A block needs at least one task.", Subject: blk.DefRange.Ptr()})
	}
	return b, diags
}

func suggestModule(name string, mods []string) string {
	if best := didyoumean.Suggest(name, mods); best != "" {
		return fmt.Sprintf("Did you mean %q?", best)
	}
	return fmt.Sprintf("Run `runbook modules` for the list (%d modules).", len(mods))
}

// suggestArguments adds a "did you mean" to hcl's "Unsupported argument"
// diagnostics when hcl's own rule found nothing (retry -> retries).
func suggestArguments(diags hcl.Diagnostics, known []string) {
	for _, d := range diags {
		if d.Summary != "Unsupported argument" || strings.Contains(d.Detail, "Did you mean") {
			continue
		}
		name, ok := quoted(d.Detail)
		if !ok {
			continue
		}
		d.Detail += didyoumean.Sentence(name, known)
	}
}

// quoted returns the first double-quoted word of s.
func quoted(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, `"`)
	return name, ok
}
