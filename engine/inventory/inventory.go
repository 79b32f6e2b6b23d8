package inventory

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// Implicit names every inventory has.
const (
	AllGroup       = "all"
	UngroupedGroup = "ungrouped"
	LocalhostName  = "localhost"
)

// Inventory is a loaded, merged inventory: every host with its endpoint and
// final vars, every group with its members.
type Inventory struct {
	// Hosts holds every declared host and the implicit "localhost"
	// (transport local) unless localhost was declared explicitly.
	Hosts map[string]*Host
	// Groups always holds "all" (every declared host, not the implicit
	// localhost) and "ungrouped" (declared hosts in no other group).
	Groups map[string]*Group

	hostOrder []string
	files     map[string]*hcl.File
}

// Host is one machine of the inventory, ready to connect to.
type Host struct {
	Name     string
	Endpoint transport.Endpoint

	Become     bool
	BecomeUser string

	// Groups lists every group the host is in, directly or through
	// children, sorted, including "all". Empty for the implicit localhost.
	Groups []string

	// Vars are the merged vars: defaults < group vars (parents before
	// children, same depth in ansible_group_priority then name order;
	// inventory-file vars before group_vars/ files) < host vars (inventory
	// file before host_vars/ files).
	Vars map[string]cty.Value

	// Implicit is true for the localhost every inventory has without
	// declaring it.
	Implicit bool

	DeclRange hcl.Range
}

// Group is a named set of hosts.
type Group struct {
	Name string
	// Hosts holds every host of the group, directly or through children,
	// in declaration order.
	Hosts []string
	// Children are the direct child groups, sorted. For "all": every group
	// that has no other parent.
	Children []string
	// Parents are the direct parent groups, sorted ("all" excluded).
	Parents []string
	// Vars are the group's own vars (inventory file, then group_vars/
	// files), not merged with its parents'.
	Vars map[string]cty.Value

	DeclRange hcl.Range
}

// HostNames returns every host name in declaration order (across files in
// the order they were loaded), the implicit localhost last.
func (inv *Inventory) HostNames() []string {
	return append([]string(nil), inv.hostOrder...)
}

// GroupNames returns every group name, sorted.
func (inv *Inventory) GroupNames() []string {
	names := make([]string, 0, len(inv.Groups))
	for n := range inv.Groups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Group returns the group called name.
func (inv *Inventory) Group(name string) (*Group, bool) {
	g, ok := inv.Groups[name]
	return g, ok
}

// Host returns the host called name.
func (inv *Inventory) Host(name string) (*Host, bool) {
	h, ok := inv.Hosts[name]
	return h, ok
}

// Files returns the source of every file read, keyed by the file name used
// in diagnostic ranges, for rendering diagnostics with snippets (for
// example with hcl.NewDiagnosticTextWriter). INI and YAML files appear as
// hcl.File values holding only their bytes.
func (inv *Inventory) Files() map[string]*hcl.File {
	out := make(map[string]*hcl.File, len(inv.files))
	for k, v := range inv.files {
		out[k] = v
	}
	return out
}
