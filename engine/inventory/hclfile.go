package inventory

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "defaults"},
		{Type: "group", LabelNames: []string{"name"}},
		{Type: "host", LabelNames: []string{"name"}},
		{Type: "source", LabelNames: []string{"type"}},
	},
}

// connAttributes are the settings defaults, group and host blocks share.
var connAttributes = []hcl.AttributeSchema{
	{Name: "transport"},
	{Name: "user"},
	{Name: "port"},
	{Name: "private_key"},
	{Name: "known_hosts"},
	{Name: "host_key_checking"},
	{Name: "connect_timeout"},
	{Name: "become"},
	{Name: "become_user"},
	{Name: "jump"},
	{Name: "vars"},
}

var (
	defaultsSchema = &hcl.BodySchema{Attributes: connAttributes}
	groupSchema    = &hcl.BodySchema{Attributes: append([]hcl.AttributeSchema{{Name: "children"}}, connAttributes...)}
	hostSchema     = &hcl.BodySchema{Attributes: append([]hcl.AttributeSchema{{Name: "address"}, {Name: "groups"}}, connAttributes...)}
)

// evalContext offers functions and no variables: an inventory is data.
var evalContext = &hcl.EvalContext{Functions: map[string]function.Function{
	"abs":        stdlib.AbsoluteFunc,
	"coalesce":   stdlib.CoalesceFunc,
	"concat":     stdlib.ConcatFunc,
	"distinct":   stdlib.DistinctFunc,
	"element":    stdlib.ElementFunc,
	"flatten":    stdlib.FlattenFunc,
	"format":     stdlib.FormatFunc,
	"formatlist": stdlib.FormatListFunc,
	"join":       stdlib.JoinFunc,
	"jsondecode": stdlib.JSONDecodeFunc,
	"jsonencode": stdlib.JSONEncodeFunc,
	"keys":       stdlib.KeysFunc,
	"length":     stdlib.LengthFunc,
	"lower":      stdlib.LowerFunc,
	"max":        stdlib.MaxFunc,
	"merge":      stdlib.MergeFunc,
	"min":        stdlib.MinFunc,
	"range":      stdlib.RangeFunc,
	"replace":    stdlib.ReplaceFunc,
	"split":      stdlib.SplitFunc,
	"substr":     stdlib.SubstrFunc,
	"title":      stdlib.TitleFunc,
	"trimspace":  stdlib.TrimSpaceFunc,
	"upper":      stdlib.UpperFunc,
	"values":     stdlib.ValuesFunc,
	"zipmap":     stdlib.ZipmapFunc,
}}

// loadHCL reads one HCL inventory file.
func (b *builder) loadHCL(filename string, src []byte) {
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if file != nil {
		b.files[filename] = file
	}
	b.diags = append(b.diags, diags...)
	if diags.HasErrors() {
		return
	}
	content, diags := file.Body.Content(fileSchema)
	b.diags = append(b.diags, diags...)

	for _, blk := range content.Blocks {
		switch blk.Type {
		case "defaults":
			if b.defRange != nil {
				b.errorf(blk.DefRange.Ptr(), "Duplicate defaults block",
					fmt.Sprintf("An inventory has at most one defaults block; the first is at %s.", b.defRange))
				continue
			}
			b.defRange = blk.DefRange.Ptr()
			c, diags := blk.Body.Content(defaultsSchema)
			b.diags = append(b.diags, diags...)
			l := b.decodeLayer(c.Attributes)
			b.defaults = &l
		case "group":
			b.decodeGroup(blk)
		case "host":
			b.decodeHost(blk)
		case "source":
			b.loadSource(blk)
		}
	}
}

func (b *builder) decodeGroup(blk *hcl.Block) {
	name := blk.Labels[0]
	if !b.checkName("group", name, blk.LabelRanges[0]) {
		return
	}
	if g, ok := b.groups[name]; ok && g.fromHCL {
		b.errorf(blk.LabelRanges[0].Ptr(), "Duplicate group",
			fmt.Sprintf("Group %q was already declared at %s.", name, g.declRange))
		return
	}
	c, diags := blk.Body.Content(groupSchema)
	b.diags = append(b.diags, diags...)
	g := b.group(name, blk.DefRange)
	if !g.fromHCL {
		g.declRange = blk.DefRange
		g.fromHCL = true
	}
	if attr, ok := c.Attributes["children"]; ok {
		for _, r := range b.stringList(attr) {
			if r.Name == name {
				b.errorf(r.Range.Ptr(), "Group cycle", fmt.Sprintf("Group %q cannot be its own child.", name))
				continue
			}
			g.children = append(g.children, r)
			b.strictRefs = append(b.strictRefs, r)
		}
	}
	l := b.decodeLayer(c.Attributes)
	g.inv = append(g.inv, &l)
}

func (b *builder) decodeHost(blk *hcl.Block) {
	name := blk.Labels[0]
	if !b.checkName("host", name, blk.LabelRanges[0]) {
		return
	}
	if h, ok := b.hosts[name]; ok && h.fromHCL {
		b.errorf(blk.LabelRanges[0].Ptr(), "Duplicate host",
			fmt.Sprintf("Host %q was already declared at %s.", name, h.declRange))
		return
	}
	c, diags := blk.Body.Content(hostSchema)
	b.diags = append(b.diags, diags...)
	h := b.host(name, blk.DefRange)
	if !h.fromHCL {
		h.declRange = blk.DefRange
		h.fromHCL = true
	}
	if attr, ok := c.Attributes["groups"]; ok {
		for _, r := range b.stringList(attr) {
			h.groups = append(h.groups, r)
			b.strictRefs = append(b.strictRefs, r)
		}
	}
	l := b.decodeLayer(c.Attributes)
	if attr, ok := c.Attributes["address"]; ok {
		if s, ok := b.stringAttr(attr); ok {
			if s == "" {
				b.errorf(attr.Expr.Range().Ptr(), "Invalid address", "A host address cannot be empty.")
			} else {
				l.conn.Address = &s
			}
		}
	}
	h.inv = append(h.inv, &l)
}

// checkName reports names that host patterns could not select.
func (b *builder) checkName(kind, name string, rng hcl.Range) bool {
	bad := ""
	switch {
	case name == "":
		bad = "it is empty"
	case strings.ContainsAny(name, " \t\r\n,"):
		bad = "it contains a space or a comma"
	case strings.ContainsAny(name[:1], "!&~"):
		bad = "it starts with !, & or ~ (host pattern operators)"
	case kind == "host" && (name == AllGroup):
		bad = `"all" is the group of every host`
	}
	if bad != "" {
		b.errorf(rng.Ptr(), "Invalid "+kind+" name", fmt.Sprintf("%q is not a valid %s name: %s.", name, kind, bad))
		return false
	}
	return true
}

// decodeLayer reads the connection attributes and vars of a block.
func (b *builder) decodeLayer(attrs hcl.Attributes) layer {
	var l layer
	c := &l.conn
	if a, ok := attrs["transport"]; ok {
		if s, ok := b.stringAttr(a); ok {
			if s != "ssh" && s != "local" {
				b.errorf(a.Expr.Range().Ptr(), "Invalid transport",
					fmt.Sprintf("transport must be \"ssh\" or \"local\", not %q.", s))
			} else {
				c.Transport = &s
			}
		}
	}
	if a, ok := attrs["user"]; ok {
		if s, ok := b.stringAttr(a); ok {
			c.User = &s
		}
	}
	if a, ok := attrs["port"]; ok {
		if v, ok := b.typedAttr(a, cty.Number); ok {
			if p, ok := portValue(v); ok {
				c.Port = &p
			} else {
				b.errorf(a.Expr.Range().Ptr(), "Invalid port",
					fmt.Sprintf("port must be a whole number from 1 to 65535, not %s.", v.AsBigFloat().Text('g', -1)))
			}
		}
	}
	if a, ok := attrs["private_key"]; ok {
		if s, ok := b.stringAttr(a); ok {
			s = expandHome(s)
			c.PrivateKey = &s
		}
	}
	if a, ok := attrs["known_hosts"]; ok {
		if s, ok := b.stringAttr(a); ok {
			s = expandHome(s)
			c.KnownHosts = &s
		}
	}
	if a, ok := attrs["host_key_checking"]; ok {
		if s, ok := b.stringAttr(a); ok {
			switch k := transport.HostKeyChecking(s); k {
			case transport.HostKeyStrict, transport.HostKeyAcceptNew, transport.HostKeyOff:
				c.HostKeyChecking = &k
			default:
				b.errorf(a.Expr.Range().Ptr(), "Invalid host_key_checking",
					fmt.Sprintf("host_key_checking must be \"strict\", \"accept-new\" or \"off\", not %q.", s))
			}
		}
	}
	if a, ok := attrs["connect_timeout"]; ok {
		if v, ok := b.evalAttr(a); ok && !v.IsNull() {
			if d, err := durationValue(v); err != nil {
				b.errorf(a.Expr.Range().Ptr(), "Invalid connect_timeout", err.Error())
			} else {
				c.ConnectTimeout = &d
			}
		}
	}
	if a, ok := attrs["become"]; ok {
		if v, ok := b.typedAttr(a, cty.Bool); ok {
			c.Become = ptr(v.True())
		}
	}
	if a, ok := attrs["become_user"]; ok {
		if s, ok := b.stringAttr(a); ok {
			c.BecomeUser = &s
		}
	}
	if a, ok := attrs["jump"]; ok {
		c.JumpSet = true
		for _, r := range b.stringList(a) {
			c.Jump = append(c.Jump, jumpRef{Value: r.Name, Range: r.Range, Strict: true})
		}
	}
	if a, ok := attrs["vars"]; ok {
		if v, ok := b.evalAttr(a); ok && !v.IsNull() {
			ty := v.Type()
			if !ty.IsObjectType() && !ty.IsMapType() {
				b.errorf(a.Expr.Range().Ptr(), "Incorrect attribute value type",
					fmt.Sprintf("vars must be an object, like { name = value }, not %s.", ty.FriendlyName()))
			} else {
				ranges := objectItemRanges(a.Expr)
				for it := v.ElementIterator(); it.Next(); {
					k, ev := it.Element()
					rng, ok := ranges[k.AsString()]
					if !ok {
						rng = a.Expr.Range()
					}
					l.setVar(k.AsString(), ev, rng)
				}
			}
		}
	}
	return l
}

// objectItemRanges maps the keys of a literal object expression to the
// ranges of their values.
func objectItemRanges(expr hcl.Expression) map[string]hcl.Range {
	out := map[string]hcl.Range{}
	oc, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return out
	}
	for _, item := range oc.Items {
		k, diags := item.KeyExpr.Value(nil)
		if diags.HasErrors() || k.IsNull() || !k.IsKnown() || k.Type() != cty.String {
			continue
		}
		out[k.AsString()] = item.ValueExpr.Range()
	}
	return out
}

// evalExpr evaluates an inventory expression: literals and functions only.
func evalExpr(expr hcl.Expression) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	for _, tr := range expr.Variables() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Variables not allowed",
			Detail: fmt.Sprintf("Inventory expressions may use literals and functions only; %q is a reference. "+
				"Put computed values in the runbook instead.", traversalString(tr)),
			Subject: tr.SourceRange().Ptr(),
		})
	}
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	v, d := expr.Value(evalContext)
	return v, append(diags, d...)
}

func traversalString(tr hcl.Traversal) string {
	var sb strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString("." + s.Name)
		default:
			sb.WriteString("[...]")
		}
	}
	return sb.String()
}

func (b *builder) evalAttr(a *hcl.Attribute) (cty.Value, bool) {
	v, diags := evalExpr(a.Expr)
	b.diags = append(b.diags, diags...)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// typedAttr evaluates a and converts it to ty; null counts as unset.
func (b *builder) typedAttr(a *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	v, ok := b.evalAttr(a)
	if !ok || v.IsNull() {
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		b.errorf(a.Expr.Range().Ptr(), "Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value for attribute %q: %s.", a.Name, err))
		return cty.NilVal, false
	}
	return cv, true
}

func (b *builder) stringAttr(a *hcl.Attribute) (string, bool) {
	v, ok := b.typedAttr(a, cty.String)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

// stringList evaluates a list of strings, keeping each element's range when
// the expression is a literal list.
func (b *builder) stringList(a *hcl.Attribute) []ref {
	var out []ref
	if exprs, diags := hcl.ExprList(a.Expr); !diags.HasErrors() {
		for _, e := range exprs {
			v, diags := evalExpr(e)
			b.diags = append(b.diags, diags...)
			if diags.HasErrors() || v.IsNull() {
				continue
			}
			s, err := convert.Convert(v, cty.String)
			if err != nil || !s.IsKnown() {
				b.errorf(e.Range().Ptr(), "Incorrect attribute value type",
					fmt.Sprintf("Inappropriate value for an element of %q: a string is required.", a.Name))
				continue
			}
			out = append(out, ref{Name: s.AsString(), Range: e.Range()})
		}
		return out
	}
	v, ok := b.typedAttr(a, cty.List(cty.String))
	if !ok {
		return nil
	}
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		if ev.IsNull() {
			continue
		}
		out = append(out, ref{Name: ev.AsString(), Range: a.Expr.Range()})
	}
	return out
}

func portValue(v cty.Value) (int, bool) {
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i < 1 || i > 65535 {
		return 0, false
	}
	return int(i), true
}

// durationValue accepts a Go duration string ("10s", "1m30s") or a number
// of seconds.
func durationValue(v cty.Value) (time.Duration, error) {
	switch v.Type() {
	case cty.Number:
		f, _ := v.AsBigFloat().Float64()
		if f <= 0 {
			return 0, fmt.Errorf("connect_timeout must be positive, not %g", f)
		}
		return time.Duration(f * float64(time.Second)), nil
	case cty.String:
		d, err := time.ParseDuration(v.AsString())
		if err != nil {
			return 0, fmt.Errorf("connect_timeout must be a duration like \"10s\" or \"1m\", not %q", v.AsString())
		}
		if d <= 0 {
			return 0, fmt.Errorf("connect_timeout must be positive, not %q", v.AsString())
		}
		return d, nil
	}
	return 0, fmt.Errorf("connect_timeout must be a duration string like \"10s\", not %s", v.Type().FriendlyName())
}
