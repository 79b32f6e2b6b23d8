package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"
)

// The YAML reader follows ansible/plugins/inventory/yaml.py: top-level keys
// are groups (usually just "all"); a group has hosts (host pattern ->
// vars), vars and children (group name -> group).

// yamlDoc is one parsed YAML file with its positions.
type yamlDoc struct {
	file  string
	li    *lineIndex
	root  *yaml.Node // nil for an empty document
	nodes int        // converted so far, to stop alias bombs
}

const maxYAMLNodes = 200000

// parseYAML parses src; errors become diagnostics at the line of the
// problem (see yamlErrorLine).
func (b *builder) parseYAML(file string, src []byte) (*yamlDoc, bool) {
	d, diags := parseYAMLDoc(file, src)
	b.diags = append(b.diags, diags...)
	return d, !diags.HasErrors()
}

func parseYAMLDoc(file string, src []byte) (*yamlDoc, hcl.Diagnostics) {
	d := &yamlDoc{file: file, li: newLineIndex(src)}
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc)
	if errors.Is(err, io.EOF) {
		return d, nil
	}
	if err != nil {
		line := yamlErrorLine(src, err)
		msg := yamlErrLine.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid YAML",
			Detail:  fmt.Sprintf("%s, line %d: %s.", file, line, msg),
			Subject: d.li.rng(file, line, 1, 1).Ptr()}}
	}
	if len(doc.Content) > 0 {
		d.root = doc.Content[0]
	}
	return d, nil
}

var yamlErrLine = regexp.MustCompile(`^line \d+: `)

// yamlErrorLine finds the line of a YAML syntax error. yaml.v3 names the
// line where the enclosing mapping or flow collection began (counted from
// 0 for parser errors), not the line of the problem; the problem is on
// the last line of the shortest prefix of the document that fails to
// parse, found by bisection (a prefix that ends before the problem
// parses).
func yamlErrorLine(src []byte, err error) int {
	lines := bytes.SplitAfter(src, []byte("\n"))
	fails := func(n int) bool {
		var doc yaml.Node
		e := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil))).Decode(&doc)
		return e != nil && !errors.Is(e, io.EOF)
	}
	lo, hi := 0, len(lines) // lines[:lo] parses (or lo == 0), lines[:hi] fails
	if !fails(hi) {
		return 1
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// YAMLValues reads a YAML (or JSON) document whose top level is a mapping
// of names to values, as a var file: each value as cty and the range of
// its name, for diagnostics.
func YAMLValues(file string, src []byte) (map[string]cty.Value, map[string]hcl.Range, hcl.Diagnostics) {
	d, diags := parseYAMLDoc(file, src)
	if diags.HasErrors() || d.root == nil {
		return nil, nil, diags
	}
	root := resolveAlias(d.root)
	if root.Kind != yaml.MappingNode {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variables file",
			Detail: "A YAML or JSON variables file is a mapping of variable names to values.", Subject: d.rng(root).Ptr()}}
	}
	pairs, diags := d.mappingPairs(root, 0)
	vals, rngs := map[string]cty.Value{}, map[string]hcl.Range{}
	for _, p := range pairs {
		v, err := d.toCty(p.value, 0)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value",
				Detail: fmt.Sprintf("%s: %s.", p.key.Value, err), Subject: d.rng(p.value).Ptr()})
			continue
		}
		vals[p.key.Value], rngs[p.key.Value] = v, d.rng(p.key)
	}
	return vals, rngs, diags
}

func (d *yamlDoc) rng(n *yaml.Node) hcl.Range {
	w := len(n.Value)
	if n.Kind != yaml.ScalarNode || w == 0 {
		w = 1
	}
	return d.li.rng(d.file, n.Line, n.Column, w)
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func (b *builder) loadYAMLInventory(file string, src []byte) {
	d, ok := b.parseYAML(file, src)
	if !ok || d.root == nil {
		return
	}
	root := resolveAlias(d.root)
	if root.Kind != yaml.MappingNode {
		b.errorf(d.rng(root).Ptr(), "Invalid YAML inventory",
			"A YAML inventory is a mapping of group names (usually just \"all\") to groups.")
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Value == "plugin" {
			b.errorf(d.rng(k).Ptr(), "Inventory plugins not supported",
				fmt.Sprintf("%s configures an Ansible inventory plugin; runbook reads static INI and YAML inventories only. "+
					"Export it with `ansible-inventory -i %s --list -y` first.", file, file))
			return
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		b.yamlGroup(d, root.Content[i], resolveAlias(root.Content[i+1]), "", 0)
	}
}

func (b *builder) yamlGroup(d *yamlDoc, key, node *yaml.Node, parent string, depth int) {
	name := key.Value
	krng := d.rng(key)
	if key.Kind != yaml.ScalarNode || !b.checkName("group", name, krng) {
		return
	}
	if depth > 100 {
		b.errorf(krng.Ptr(), "Invalid YAML inventory", "Groups are nested too deeply.")
		return
	}
	g := b.group(name, krng)
	if parent != "" && name != AllGroup {
		b.addChild(parent, name, krng)
	}
	if isNull(node) {
		return
	}
	if node.Kind != yaml.MappingNode {
		b.warnf(d.rng(node).Ptr(), "Group skipped",
			fmt.Sprintf("Group %q is a %s, not a mapping of hosts, vars and children; it was skipped.", name, kindName(node)))
		return
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], resolveAlias(node.Content[i+1])
		switch k.Value {
		case "vars":
			if isNull(v) {
				continue
			}
			if l, ok := b.yamlVars(d, v, fmt.Sprintf("the vars of group %q", name)); ok {
				g.inv = append(g.inv, &l)
			}
		case "children":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				b.errorf(d.rng(v).Ptr(), "Invalid YAML inventory",
					fmt.Sprintf("The children of group %q must be a mapping of group names, not a %s.", name, kindName(v)))
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				b.yamlGroup(d, v.Content[j], resolveAlias(v.Content[j+1]), name, depth+1)
			}
		case "hosts":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				b.errorf(d.rng(v).Ptr(), "Invalid YAML inventory",
					fmt.Sprintf("The hosts of group %q must be a mapping of host names to vars, not a %s.", name, kindName(v)))
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				b.yamlHost(d, v.Content[j], resolveAlias(v.Content[j+1]), name)
			}
		default:
			b.warnf(d.rng(k).Ptr(), "Unexpected key skipped",
				fmt.Sprintf("Group %q has a key %q; only hosts, vars and children are read.", name, k.Value))
		}
	}
}

func (b *builder) yamlHost(d *yamlDoc, key, node *yaml.Node, group string) {
	krng := d.rng(key)
	if key.Kind != yaml.ScalarNode {
		b.errorf(krng.Ptr(), "Invalid host pattern", "A host name must be a plain string.")
		return
	}
	names, port, perr := expandHostPattern(key.Value)
	if perr != "" {
		b.errorf(krng.Ptr(), "Invalid host pattern", fmt.Sprintf("%s: %s.", key.Value, perr))
		return
	}
	var l layer
	hasVars := false
	if !isNull(node) {
		var ok bool
		if l, ok = b.yamlVars(d, node, fmt.Sprintf("host %q", key.Value)); !ok {
			return
		}
		hasVars = true
	}
	if port != nil {
		l.conn.Port = port
		hasVars = true
	}
	for _, name := range names {
		if !b.checkName("host", name, krng) {
			return
		}
		h := b.host(name, krng)
		if group != AllGroup && group != UngroupedGroup {
			h.groups = append(h.groups, ref{Name: group, Range: krng})
		}
		if hasVars {
			h.inv = append(h.inv, &l)
		}
	}
}

// yamlVars reads a mapping of vars into a layer.
func (b *builder) yamlVars(d *yamlDoc, node *yaml.Node, what string) (layer, bool) {
	var l layer
	if node.Kind != yaml.MappingNode {
		b.errorf(d.rng(node).Ptr(), "Invalid YAML vars",
			fmt.Sprintf("%s must be a mapping of names to values, not a %s.", upperFirst(what), kindName(node)))
		return l, false
	}
	pairs, diags := d.mappingPairs(node, 0)
	b.diags = append(b.diags, diags...)
	for _, p := range pairs {
		v, err := d.toCty(p.value, 0)
		if err != nil {
			var ve *vaultError
			if errors.As(err, &ve) {
				b.warnf(d.rng(ve.node).Ptr(), "Encrypted value skipped",
					fmt.Sprintf("Variable %q is encrypted with ansible-vault, which runbook cannot decrypt; it was left out.", p.key.Value))
				continue
			}
			b.errorf(d.rng(p.value).Ptr(), "Invalid YAML value", fmt.Sprintf("Variable %q: %s.", p.key.Value, err))
			continue
		}
		l.setVar(p.key.Value, v, d.rng(p.value))
	}
	return l, true
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "node"
}

type yamlPair struct{ key, value *yaml.Node }

// mappingPairs lists the pairs of a mapping, applying merge keys (<<):
// merged pairs come first, explicit keys win.
func (d *yamlDoc) mappingPairs(n *yaml.Node, depth int) ([]yamlPair, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	if depth > 100 {
		return nil, diags
	}
	var merged, own []yamlPair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			src := resolveAlias(v)
			list := []*yaml.Node{src}
			if src.Kind == yaml.SequenceNode {
				list = src.Content
			}
			for _, m := range list {
				m = resolveAlias(m)
				if m.Kind != yaml.MappingNode {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid YAML merge",
						Detail: "A << merge key takes a mapping or a list of mappings.", Subject: d.rng(m).Ptr()})
					continue
				}
				ps, ds := d.mappingPairs(m, depth+1)
				diags = append(diags, ds...)
				merged = append(merged, ps...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid YAML key",
				Detail: "Keys must be plain strings.", Subject: d.rng(k).Ptr()})
			continue
		}
		own = append(own, yamlPair{k, v})
	}
	if len(merged) == 0 {
		return own, diags
	}
	seen := map[string]bool{}
	for _, p := range own {
		seen[p.key.Value] = true
	}
	out := make([]yamlPair, 0, len(merged)+len(own))
	for _, p := range merged {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			out = append(out, p)
		}
	}
	return append(out, own...), diags
}

type vaultError struct{ node *yaml.Node }

func (e *vaultError) Error() string { return "encrypted with ansible-vault" }

// yaml11Bools are the plain scalars PyYAML (and so Ansible) reads as
// booleans beyond true/false.
var yaml11Bools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
}

// toCty converts a YAML node to a cty value: mappings become objects,
// sequences tuples, scalars by their resolved tag.
func (d *yamlDoc) toCty(n *yaml.Node, depth int) (cty.Value, error) {
	d.nodes++
	if d.nodes > maxYAMLNodes || depth > 200 {
		return cty.NilVal, fmt.Errorf("value too large or too deeply nested (alias expansion?)")
	}
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return cty.NullVal(cty.DynamicPseudoType), nil
		}
		return d.toCty(n.Content[0], depth+1)
	case yaml.MappingNode:
		pairs, diags := d.mappingPairs(n, 0)
		if diags.HasErrors() {
			return cty.NilVal, errors.New(diags[0].Detail)
		}
		if len(pairs) == 0 {
			return cty.EmptyObjectVal, nil
		}
		attrs := make(map[string]cty.Value, len(pairs))
		for _, p := range pairs {
			v, err := d.toCty(p.value, depth+1)
			if err != nil {
				return cty.NilVal, err
			}
			attrs[p.key.Value] = v
		}
		return cty.ObjectVal(attrs), nil
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return cty.EmptyTupleVal, nil
		}
		items := make([]cty.Value, len(n.Content))
		for i, c := range n.Content {
			v, err := d.toCty(c, depth+1)
			if err != nil {
				return cty.NilVal, err
			}
			items[i] = v
		}
		return cty.TupleVal(items), nil
	case yaml.ScalarNode:
		return scalarToCty(n)
	}
	return cty.NilVal, fmt.Errorf("unsupported YAML node")
}

func scalarToCty(n *yaml.Node) (cty.Value, error) {
	switch n.Tag {
	case "!vault", "!vault-encrypted":
		return cty.NilVal, &vaultError{node: n}
	case "!unsafe":
		return cty.StringVal(n.Value), nil
	}
	switch n.ShortTag() {
	case "!!null":
		return cty.NullVal(cty.DynamicPseudoType), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return cty.StringVal(n.Value), nil
		}
		return cty.BoolVal(b), nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return cty.NumberIntVal(i), nil
		}
		if bi, ok := new(big.Int).SetString(strings.ReplaceAll(n.Value, "_", ""), 0); ok {
			return cty.NumberVal(new(big.Float).SetInt(bi)), nil
		}
		return cty.StringVal(n.Value), nil
	case "!!float":
		if bf, ok := new(big.Float).SetPrec(512).SetString(strings.ReplaceAll(n.Value, "_", "")); ok {
			return cty.NumberVal(bf), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return cty.StringVal(n.Value), nil
		}
		return cty.NumberFloatVal(f), nil
	case "!!str":
		if n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			if b, ok := yaml11Bools[n.Value]; ok {
				return cty.BoolVal(b), nil
			}
		}
	}
	return cty.StringVal(n.Value), nil
}
