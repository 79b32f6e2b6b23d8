package inventory

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// warnJinja warns about variables whose value holds a Jinja expression
// ({{ ... }} or {% ... %}): runbook does not evaluate Jinja, so such a
// value (common in group_vars of kolla-ansible and openstack-ansible
// sites) would silently be used as literal text.
func (b *builder) warnJinja() {
	var layers []*layer
	if b.defaults != nil {
		layers = append(layers, b.defaults)
	}
	for _, name := range b.hostOrder {
		h := b.hosts[name]
		layers = append(append(layers, h.inv...), h.hostVars...)
	}
	groups := make([]string, 0, len(b.groups))
	for g := range b.groups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		layers = append(append(layers, b.groups[g].inv...), b.groups[g].groupVars...)
	}
	warned := 0
	for _, l := range layers {
		names := make([]string, 0, len(l.vars))
		for n := range l.vars {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !holdsJinja(l.vars[n], 0) {
				continue
			}
			if warned++; warned > 20 {
				return // enough to make the point
			}
			rng := l.ranges[n]
			b.warnf(&rng, "Jinja template in a variable",
				fmt.Sprintf("The value of %s holds a Jinja expression ({{ ... }}), which runbook does not evaluate: it is used as literal text. "+
					"Compute the value in the runbook instead (an HCL expression or a local), or give it literally.", n))
		}
	}
}

func holdsJinja(v cty.Value, depth int) bool {
	if depth > 50 || v.IsNull() || !v.IsKnown() {
		return false
	}
	v, _ = v.Unmark()
	ty := v.Type()
	switch {
	case ty == cty.String:
		s := v.AsString()
		return strings.Contains(s, "{{") && strings.Contains(s, "}}") || strings.Contains(s, "{%") && strings.Contains(s, "%}")
	case ty.IsCollectionType() || ty.IsObjectType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if holdsJinja(e, depth+1) {
				return true
			}
		}
	}
	return false
}
