package module

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Diagnose runs m's rules and Validator on args, decoded from a module
// block's body (at load time partly unknown, before Plan wholly known),
// and returns their errors as diagnostics at the arguments' source ranges
// in body (block, the module block's own range, when an argument is
// missing). An error about a sensitive (marked) value does not show the
// value.
func Diagnose(m Module, body hcl.Body, block hcl.Range, args cty.Value, baseDir string) hcl.Diagnostics {
	plain, marks := args.UnmarkDeepWithPaths()
	marked := make([]cty.Path, len(marks))
	for i, pm := range marks {
		marked[i] = pm.Path
	}
	return DiagnoseUnmarked(m, body, block, plain, marked, baseDir)
}

// DiagnoseUnmarked is Diagnose on arguments already stripped of their
// marks (cty's UnmarkDeepWithPaths, which rebuilds the whole value: a
// caller that has done it once need not again); marked are the paths
// that had a mark.
func DiagnoseUnmarked(m Module, body hcl.Body, block hcl.Range, plain cty.Value, marked []cty.Path, baseDir string) hcl.Diagnostics {
	errs := HideSensitive(CheckArgs(m, &ValidateRequest{Args: plain, BaseDir: baseDir}), marked)
	var diags hcl.Diagnostics
	for _, e := range errs {
		subject := argRange(body, e.Path)
		if subject == nil {
			subject = block.Ptr()
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: e.Summary, Detail: e.Detail, Subject: subject})
	}
	return diags
}

// HideSensitive replaces the detail of every error about a sensitive
// argument (or a part of one, or one holding a sensitive part): it may
// quote the value.
func HideSensitive(errs []*ArgError, sensitive []cty.Path) []*ArgError {
	for _, e := range errs {
		for _, p := range sensitive {
			if overlaps(p, e.Path) {
				e.Detail = "The value is sensitive, so it is not shown; it does not pass the module's checks."
				break
			}
		}
	}
	return errs
}

// overlaps reports whether one path is a prefix of the other.
func overlaps(a, b cty.Path) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return b[:len(a)].Equals(a)
}

// argRange is where the argument at path is written in body: the
// attribute's expression, or the element inside it the path names when
// it is written as a literal object or tuple; a nested block's header.
// Nil when the argument is not written (it is missing).
func argRange(body hcl.Body, path cty.Path) *hcl.Range {
	if len(path) == 0 {
		return nil
	}
	ga, ok := path[0].(cty.GetAttrStep)
	if !ok {
		return nil
	}
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		content, _, _ := body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: ga.Name}}})
		if a := content.Attributes[ga.Name]; a != nil {
			return a.Expr.Range().Ptr()
		}
		return nil
	}
	if a := sb.Attributes[ga.Name]; a != nil {
		return exprAt(a.Expr, path[1:]).Range().Ptr()
	}
	for _, b := range sb.Blocks {
		if b.Type == ga.Name {
			r := b.DefRange()
			return &r
		}
	}
	return nil
}

// exprAt descends into a literal object or tuple along path, as far as
// the source allows.
func exprAt(expr hclsyntax.Expression, path cty.Path) hclsyntax.Expression {
	for _, step := range path {
		switch e := expr.(type) {
		case *hclsyntax.ObjectConsExpr:
			var key string
			switch s := step.(type) {
			case cty.GetAttrStep:
				key = s.Name
			case cty.IndexStep:
				if s.Key.Type() != cty.String {
					return expr
				}
				key = s.Key.AsString()
			}
			found := false
			for _, item := range e.Items {
				k, d := item.KeyExpr.Value(nil)
				if d.HasErrors() || k.Type() != cty.String || !k.IsKnown() || k.IsNull() {
					if kw := hcl.ExprAsKeyword(item.KeyExpr); kw == key && kw != "" {
						expr, found = item.ValueExpr, true
						break
					}
					continue
				}
				if k.AsString() == key {
					expr, found = item.ValueExpr, true
					break
				}
			}
			if !found {
				return expr
			}
		case *hclsyntax.TupleConsExpr:
			s, ok := step.(cty.IndexStep)
			if !ok || s.Key.Type() != cty.Number {
				return expr
			}
			i, acc := s.Key.AsBigFloat().Int64()
			if acc != 0 || i < 0 || int(i) >= len(e.Exprs) {
				return expr
			}
			expr = e.Exprs[i]
		default:
			return expr
		}
	}
	return expr
}
