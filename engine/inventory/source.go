package inventory

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Source is a dynamic inventory source: a block `source "TYPE" { ... }` in
// an HCL inventory is decoded with the Spec of the Source registered under
// TYPE, and the hosts it returns join the inventory.
//
// Every source block also accepts two arguments of its own, handled by the
// inventory and not part of Spec: `groups` (groups every host of the source
// joins, created if not declared) and `vars` (vars of every host of the
// source, below the vars the source returns).
type Source interface {
	Spec() hcldec.Spec
	Hosts(ctx context.Context, args cty.Value) ([]SourceHost, error)
}

// SourceHost is one host a Source found.
type SourceHost struct {
	Name    string
	Address string
	Groups  []string // created if not declared
	Vars    map[string]cty.Value
}

var sourceCommonSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "groups"}, {Name: "vars"}}}

func (b *builder) loadSource(blk *hcl.Block) {
	typ := blk.Labels[0]
	src, ok := b.sources[typ]
	if !ok {
		known := make([]string, 0, len(b.sources))
		for k := range b.sources {
			known = append(known, k)
		}
		sort.Strings(known)
		detail := fmt.Sprintf("No inventory source of type %q is registered.", typ)
		if len(known) > 0 {
			detail += fmt.Sprintf(" Known types: %v.", known)
		}
		b.errorf(blk.LabelRanges[0].Ptr(), "Unknown inventory source type", detail)
		return
	}
	common, remain, diags := blk.Body.PartialContent(sourceCommonSchema)
	b.diags = append(b.diags, diags...)
	var groups []ref
	if a, ok := common.Attributes["groups"]; ok {
		groups = b.stringList(a)
	}
	baseAttrs := hcl.Attributes{}
	if a, ok := common.Attributes["vars"]; ok {
		baseAttrs["vars"] = a
	}
	base := b.decodeLayer(baseAttrs)

	spec := src.Spec()
	var varDiags hcl.Diagnostics
	for _, tr := range hcldec.Variables(remain, spec) {
		varDiags = append(varDiags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Variables not allowed",
			Detail:   fmt.Sprintf("Inventory expressions may use literals and functions only; %q is a reference.", traversalString(tr)),
			Subject:  tr.SourceRange().Ptr(),
		})
	}
	b.diags = append(b.diags, varDiags...)
	if varDiags.HasErrors() {
		return
	}
	args, diags := hcldec.Decode(remain, spec, evalContext)
	b.diags = append(b.diags, diags...)
	if diags.HasErrors() {
		return
	}

	ctx := b.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	hosts, err := src.Hosts(ctx, args)
	if err != nil {
		b.errorf(blk.DefRange.Ptr(), "Inventory source failed",
			fmt.Sprintf("Source %q could not list its hosts: %s.", typ, err))
		return
	}
	for _, r := range groups {
		b.group(r.Name, r.Range)
	}
	for _, sh := range hosts {
		if sh.Name == "" {
			b.errorf(blk.DefRange.Ptr(), "Inventory source failed", fmt.Sprintf("Source %q returned a host without a name.", typ))
			continue
		}
		if old, ok := b.hosts[sh.Name]; ok {
			b.warnf(blk.DefRange.Ptr(), "Host already declared",
				fmt.Sprintf("Source %q returned host %q, already declared at %s; the source's entry is ignored.", typ, sh.Name, old.declRange))
			continue
		}
		h := b.host(sh.Name, blk.DefRange)
		h.groups = append(h.groups, groups...)
		for _, g := range sh.Groups {
			b.group(g, blk.DefRange)
			h.groups = append(h.groups, ref{Name: g, Range: blk.DefRange})
		}
		l := layer{}
		l.merge(&base)
		for k, v := range sh.Vars {
			l.setVar(k, v, blk.DefRange)
		}
		if sh.Address != "" {
			addr := sh.Address
			l.conn.Address = &addr
		}
		h.inv = append(h.inv, &l)
	}
}
