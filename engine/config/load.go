package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "runbook"},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "task", LabelNames: []string{"name"}},
		{Type: "handler", LabelNames: []string{"name"}},
		{Type: "block"},
	},
}

// Loader decodes runbooks. Modules lists the module names a task may use
// as its nested block.
type Loader struct {
	Modules []string
	parser  *hclparse.Parser
}

// NewLoader returns a loader for the given module names.
func NewLoader(modules []string) *Loader {
	return &Loader{Modules: modules, parser: hclparse.NewParser()}
}

// Files returns every file the loader has parsed, for diagnostic snippets.
func (l *Loader) Files() map[string]*hcl.File { return l.parser.Files() }

// LoadDir decodes every *.hcl file of dir (or the single file dir names).
func (l *Loader) LoadDir(dir string) (*Runbook, hcl.Diagnostics) {
	var paths []string
	st, err := os.Stat(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read runbook", Detail: err.Error()}}
	}
	if st.IsDir() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read runbook", Detail: err.Error()}}
		}
		for _, e := range entries {
			if !e.IsDir() && IsRunbookFile(e.Name()) {
				paths = append(paths, filepath.Join(dir, e.Name()))
			}
		}
		sort.Strings(paths)
		if len(paths) == 0 {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No runbook files", Detail: fmt.Sprintf("The folder %s has no .hcl files (other than *"+VarFileSuffix+" variables files).", dir)}}
		}
	} else {
		paths = []string{dir}
		dir = filepath.Dir(dir)
	}
	var srcs []Source
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read runbook file", Detail: err.Error()}}
		}
		srcs = append(srcs, Source{Name: p, Bytes: b})
	}
	return l.Load(dir, srcs)
}

// Source is one file's name and content.
type Source struct {
	Name  string
	Bytes []byte
}

// Load decodes the given sources as one runbook rooted at dir.
func (l *Loader) Load(dir string, srcs []Source) (*Runbook, hcl.Diagnostics) {
	rb := &Runbook{
		Dir:       dir,
		Files:     map[string]*hcl.File{},
		Variables: map[string]*Variable{},
		Locals:    map[string]*Local{},
		byName:    map[string]*Task{},
		byHdl:     map[string]*Task{},
	}
	var diags hcl.Diagnostics
	var runbookBlock *hcl.Block
	for _, src := range srcs {
		f, d := l.parser.ParseHCL(src.Bytes, src.Name)
		diags = append(diags, d...)
		if f == nil || d.HasErrors() {
			continue
		}
		rb.Files[src.Name] = f
		if d := strayFile(f); d != nil {
			diags = append(diags, d)
			continue
		}
		content, d := f.Body.Content(rootSchema)
		diags = append(diags, d...)
		for _, blk := range content.Blocks {
			switch blk.Type {
			case "runbook":
				if runbookBlock != nil {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Duplicate runbook block",
						Detail:   fmt.Sprintf("A runbook has one runbook block; another was declared at %s.", runbookBlock.DefRange),
						Subject:  blk.DefRange.Ptr(),
					})
					continue
				}
				runbookBlock = blk
				diags = append(diags, decodeRunbookBlock(rb, blk)...)
			case "variable":
				v, d := decodeVariable(blk)
				diags = append(diags, d...)
				if v == nil {
					continue
				}
				if prev, dup := rb.Variables[v.Name]; dup {
					diags = append(diags, duplicate("variable", v.Name, prev.DeclRange, blk.LabelRanges[0]))
					continue
				}
				rb.Variables[v.Name] = v
				rb.VarOrder = append(rb.VarOrder, v.Name)
			case "locals":
				ls, d := decodeLocals(blk)
				diags = append(diags, d...)
				for _, lv := range ls {
					if prev, dup := rb.Locals[lv.Name]; dup {
						diags = append(diags, duplicate("local value", lv.Name, prev.DeclRange, lv.DeclRange))
						continue
					}
					rb.Locals[lv.Name] = lv
					rb.LocalList = append(rb.LocalList, lv)
				}
			case "task", "handler":
				t, d := l.decodeTask(blk, nil, SectionMain)
				diags = append(diags, d...)
				if t != nil {
					diags = append(diags, rb.addTask(t)...)
				}
			case "block":
				b, d := l.decodeBlock(blk, len(rb.Blocks))
				diags = append(diags, d...)
				if b != nil {
					for _, prev := range rb.Blocks {
						if b.Name != "" && prev.Name == b.Name {
							diags = append(diags, duplicate("block", b.Name, prev.NameRange, b.NameRange))
							break
						}
					}
					rb.Blocks = append(rb.Blocks, b)
					for _, group := range [][]*Task{b.Tasks, b.Rescue, b.Always} {
						for _, t := range group {
							diags = append(diags, rb.addTask(t)...)
						}
					}
				}
			}
		}
	}
	return rb, diags
}

func (rb *Runbook) addTask(t *Task) hcl.Diagnostics {
	idx, kind := rb.byName, "task"
	if t.Kind == KindHandler {
		idx, kind = rb.byHdl, "handler"
	}
	if prev, dup := idx[t.Name]; dup {
		return hcl.Diagnostics{duplicate(kind, t.Name, prev.NameRange, t.NameRange)}
	}
	idx[t.Name] = t
	if t.Kind == KindHandler {
		rb.Handlers = append(rb.Handlers, t)
	} else {
		rb.Tasks = append(rb.Tasks, t)
	}
	return nil
}

func duplicate(kind, name string, prev, at hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s %q", kind, name),
		Detail:   fmt.Sprintf("A %s named %q was already declared at %s. Names must be unique within a runbook.", kind, name, prev),
		Subject:  at.Ptr(),
	}
}

func decodeRunbookBlock(rb *Runbook, blk *hcl.Block) hcl.Diagnostics {
	content, diags := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "description"}, {Name: "serial"}, {Name: "max_fail_percentage"}, {Name: "any_errors_fatal"}, {Name: "become_password"},
		{Name: "read_only_when_unchanged"},
	}})
	if a, ok := content.Attributes["description"]; ok {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if s, ok := stringValue(v); ok {
				rb.Description = s
			} else {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid description", Detail: "The description must be a string literal.", Subject: a.Expr.Range().Ptr()})
			}
		}
	}
	rb.Serial = attrExpr(content, "serial")
	rb.MaxFailPercentage = attrExpr(content, "max_fail_percentage")
	rb.AnyErrorsFatal = attrExpr(content, "any_errors_fatal")
	rb.BecomePassword = attrExpr(content, "become_password")
	if a, ok := content.Attributes["read_only_when_unchanged"]; ok {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v.Type() != cty.Bool || v.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid read_only_when_unchanged", Detail: "read_only_when_unchanged is true or false.", Subject: a.Expr.Range().Ptr()})
			} else {
				rb.ReadOnlyWhenUnchanged = v.True()
			}
		}
	}
	return diags
}

func attrExpr(c *hcl.BodyContent, name string) hcl.Expression {
	if c == nil {
		return nil
	}
	if a, ok := c.Attributes[name]; ok {
		return a.Expr
	}
	return nil
}
