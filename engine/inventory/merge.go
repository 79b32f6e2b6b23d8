package inventory

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/internal/didyoumean"
)

// finish checks references, builds the group tree and merges every host's
// vars and connection settings.
func (b *builder) finish() *Inventory {
	for _, n := range []string{AllGroup, UngroupedGroup} {
		if _, ok := b.groups[n]; !ok {
			b.groups[n] = &groupDecl{name: n}
		}
	}
	var implicitLocal *hostDecl
	if _, ok := b.hosts[LocalhostName]; !ok {
		implicitLocal = &hostDecl{name: LocalhostName, order: len(b.hostOrder), implicit: true}
		local := layer{}
		local.conn.Transport = ptr("local")
		local.conn.Address = ptr(LocalhostName)
		implicitLocal.inv = []*layer{&local}
		b.hosts[LocalhostName] = implicitLocal
	}
	b.loadVarDirs()
	b.checkRefs()

	t := b.groupTree()

	inv := &Inventory{
		Hosts:  make(map[string]*Host, len(b.hosts)),
		Groups: make(map[string]*Group, len(b.groups)),
		files:  b.files,
	}
	members := map[string][]string{}
	for _, name := range b.hostOrder {
		h := b.hosts[name]
		host := b.mergeHost(h, t)
		inv.Hosts[name] = host
		for _, g := range host.Groups {
			members[g] = append(members[g], name)
		}
	}
	if implicitLocal != nil {
		inv.Hosts[LocalhostName] = b.mergeHost(implicitLocal, t)
	}
	inv.hostOrder = append(inv.hostOrder, b.hostOrder...)
	if implicitLocal != nil {
		inv.hostOrder = append(inv.hostOrder, LocalhostName)
	}
	b.resolveJumps(inv)

	for name, g := range b.groups {
		grp := &Group{
			Name:      name,
			Hosts:     members[name],
			Children:  t.children[name],
			Parents:   t.parents[name],
			Vars:      map[string]cty.Value{},
			DeclRange: g.declRange,
		}
		for _, l := range append(append([]*layer(nil), g.inv...), g.groupVars...) {
			for k, v := range l.vars {
				grp.Vars[k] = v
			}
		}
		inv.Groups[name] = grp
	}
	return inv
}

// checkRefs reports HCL references to groups nobody declared.
func (b *builder) checkRefs() {
	for _, r := range b.strictRefs {
		if _, ok := b.groups[r.Name]; ok {
			continue
		}
		b.errorf(r.Range.Ptr(), "Unknown group",
			fmt.Sprintf("There is no group %q in this inventory.%s", r.Name, didYouMean(r.Name, b.groupNames())))
	}
}

func (b *builder) groupNames() []string {
	out := make([]string, 0, len(b.groups))
	for n := range b.groups {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// groupTree is the checked parent/child structure of the groups.
type groupTree struct {
	children  map[string][]string // sorted
	parents   map[string][]string // sorted, "all" excluded
	depth     map[string]int
	priority  map[string]int
	ancestors map[string][]string // every ancestor, "all" excluded
}

func (b *builder) groupTree() *groupTree {
	t := &groupTree{
		children:  map[string][]string{},
		parents:   map[string][]string{},
		depth:     map[string]int{AllGroup: 0},
		priority:  map[string]int{},
		ancestors: map[string][]string{},
	}
	names := b.groupNames()
	edges := map[string][]ref{}
	for _, n := range names {
		if n == AllGroup {
			continue
		}
		seen := map[string]bool{}
		for _, c := range b.groups[n].children {
			if _, ok := b.groups[c.Name]; !ok || c.Name == AllGroup || seen[c.Name] {
				continue
			}
			seen[c.Name] = true
			edges[n] = append(edges[n], c)
		}
	}
	// Cycles: depth-first, reporting the edge that closes each cycle at
	// its reference and dropping it.
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(n string)
	visit = func(n string) {
		color[n] = grey
		stack = append(stack, n)
		kept := edges[n][:0:0]
		for _, c := range edges[n] {
			switch color[c.Name] {
			case grey:
				i := len(stack) - 1
				for i > 0 && stack[i] != c.Name {
					i--
				}
				cycle := append(append([]string(nil), stack[i:]...), c.Name)
				b.errorf(c.Range.Ptr(), "Group cycle",
					fmt.Sprintf("Groups include each other in a cycle: %s.", strings.Join(cycle, " -> ")))
				continue
			case white:
				visit(c.Name)
			}
			kept = append(kept, c)
		}
		edges[n] = kept
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for _, n := range names {
		if color[n] == white {
			visit(n)
		}
	}
	for _, n := range names {
		for _, c := range edges[n] {
			t.children[n] = append(t.children[n], c.Name)
			t.parents[c.Name] = append(t.parents[c.Name], n)
		}
	}
	for _, n := range names {
		if n == AllGroup {
			continue
		}
		sort.Strings(t.children[n])
		sort.Strings(t.parents[n])
		if len(t.parents[n]) == 0 {
			t.children[AllGroup] = append(t.children[AllGroup], n)
		}
	}
	var depth func(n string) int
	depth = func(n string) int {
		if d, ok := t.depth[n]; ok {
			return d
		}
		d := 1
		for _, p := range t.parents[n] {
			d = max(d, depth(p)+1)
		}
		t.depth[n] = d
		return d
	}
	var anc func(n string) []string
	anc = func(n string) []string {
		if a, ok := t.ancestors[n]; ok {
			return a
		}
		set := map[string]bool{}
		for _, p := range t.parents[n] {
			set[p] = true
			for _, a := range anc(p) {
				set[a] = true
			}
		}
		out := make([]string, 0, len(set))
		for a := range set {
			out = append(out, a)
		}
		t.ancestors[n] = out
		return out
	}
	for _, n := range names {
		depth(n)
		anc(n)
		t.priority[n] = b.groupPriority(b.groups[n])
	}
	return t
}

// groupPriority reads ansible_group_priority (default 1).
func (b *builder) groupPriority(g *groupDecl) int {
	p := 1
	for _, l := range append(append([]*layer(nil), g.inv...), g.groupVars...) {
		if v, ok := l.vars["ansible_group_priority"]; ok && !v.IsNull() {
			if f, ok := ctyNumber(v); ok {
				p = int(f)
			}
		}
	}
	return p
}

// mergeHost computes one host's groups, vars and endpoint (without jumps).
func (b *builder) mergeHost(h *hostDecl, t *groupTree) *Host {
	set := map[string]bool{}
	implicit := h.implicit
	if !implicit {
		set[AllGroup] = true
		direct := 0
		for _, r := range h.groups {
			if _, ok := b.groups[r.Name]; !ok || r.Name == AllGroup || r.Name == UngroupedGroup {
				continue
			}
			direct++
			set[r.Name] = true
			for _, a := range t.ancestors[r.Name] {
				set[a] = true
			}
		}
		if direct == 0 {
			set[UngroupedGroup] = true
		}
	}
	groups := make([]string, 0, len(set))
	for g := range set {
		groups = append(groups, g)
	}
	sort.Strings(groups)

	ordered := make([]string, 0, len(groups))
	for _, g := range groups {
		if g != AllGroup {
			ordered = append(ordered, g)
		}
	}
	sort.SliceStable(ordered, func(i, j int) bool {
		a, c := ordered[i], ordered[j]
		if t.depth[a] != t.depth[c] {
			return t.depth[a] < t.depth[c]
		}
		if t.priority[a] != t.priority[c] {
			return t.priority[a] < t.priority[c]
		}
		return a < c
	})

	var layers []*layer
	if b.defaults != nil {
		layers = append(layers, b.defaults)
	}
	all := b.groups[AllGroup]
	layers = append(layers, all.inv...)
	for _, g := range ordered {
		gd := b.groups[g]
		layers = append(layers, gd.inv...)
	}
	layers = append(layers, all.groupVars...)
	for _, g := range ordered {
		gd := b.groups[g]
		layers = append(layers, gd.groupVars...)
	}
	layers = append(layers, h.inv...)
	layers = append(layers, h.hostVars...)

	vars := map[string]cty.Value{}
	var c conn
	for _, l := range layers {
		for k, v := range l.vars {
			vars[k] = v
		}
		c.override(b.derivedConn(l))
	}

	host := &Host{
		Name:      h.name,
		Groups:    groups,
		Vars:      vars,
		Implicit:  implicit,
		DeclRange: h.declRange,
	}
	if implicit {
		host.Groups = []string{}
	}
	ep := &host.Endpoint
	ep.Name = h.name
	ep.Transport = deref(c.Transport, "ssh")
	ep.Address = deref(c.Address, h.name)
	ep.Port = deref(c.Port, 22)
	ep.User = deref(c.User, "")
	ep.PrivateKey = deref(c.PrivateKey, "")
	ep.KnownHosts = deref(c.KnownHosts, "")
	ep.HostKeyChecking = deref(c.HostKeyChecking, transport.HostKeyStrict)
	ep.ConnectTimeout = deref(c.ConnectTimeout, 0)
	host.Become = deref(c.Become, false)
	host.BecomeUser = deref(c.BecomeUser, "")
	b.pendingJumps = append(b.pendingJumps, hostJumps{host: h.name, refs: c.Jump})
	return host
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

type hostJumps struct {
	host string
	refs []jumpRef
}

// resolveJumps fills every Endpoint.Jump: an inventory host name stands for
// that host's endpoint (and its own jumps before it); "[user@]addr[:port]"
// is a bastion outside the inventory, reached with the host's user, key
// and host key settings unless the string names a user or port.
func (b *builder) resolveJumps(inv *Inventory) {
	refs := map[string][]jumpRef{}
	for _, hj := range b.pendingJumps {
		refs[hj.host] = hj.refs
	}
	done := map[string][]*transport.Endpoint{}
	state := map[string]int{} // 1 resolving, 2 done
	var chain func(name string, path []string) []*transport.Endpoint
	chain = func(name string, path []string) []*transport.Endpoint {
		if state[name] == 2 {
			return done[name]
		}
		state[name] = 1
		h := inv.Hosts[name]
		var out []*transport.Endpoint
		for _, r := range refs[name] {
			if r.Value == name {
				continue // a host never jumps through itself (defaults may name the bastion)
			}
			if target, ok := inv.Hosts[r.Value]; ok {
				if state[r.Value] == 1 {
					b.errorf(r.Range.Ptr(), "Jump cycle",
						fmt.Sprintf("Hosts jump through each other in a cycle: %s.", strings.Join(append(append(path, name), r.Value), " -> ")))
					continue
				}
				out = append(out, chain(r.Value, append(append([]string(nil), path...), name))...)
				ep := target.Endpoint
				ep.Jump = nil
				out = append(out, &ep)
				continue
			}
			ep, err := parseJumpAddress(r.Value, &h.Endpoint, r.Strict)
			if err != "" {
				summary, hint := "Unknown jump host", didYouMean(r.Value, inv.HostNames())
				if ep == nil && strings.HasPrefix(err, "port") {
					summary, hint = "Invalid jump", ""
				}
				b.errorf(r.Range.Ptr(), summary, fmt.Sprintf("Jump %q of host %q: %s.%s", r.Value, name, err, hint))
				continue
			}
			out = append(out, ep)
		}
		state[name] = 2
		done[name] = out
		h.Endpoint.Jump = out
		return out
	}
	for _, name := range inv.hostOrder {
		chain(name, nil)
	}
}

// parseJumpAddress reads "[user@]addr[:port]" (IPv6 in brackets).
func parseJumpAddress(s string, from *transport.Endpoint, strict bool) (*transport.Endpoint, string) {
	user, hostport := "", s
	if i := strings.LastIndex(s, "@"); i >= 0 {
		user, hostport = s[:i], s[i+1:]
	}
	addr, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		addr, port = h, p
	}
	if strict && user == "" && port == "" && !strings.Contains(addr, ".") && net.ParseIP(addr) == nil {
		return nil, "not a host of this inventory, nor a user@address:port"
	}
	if addr == "" {
		return nil, "no address"
	}
	ep := &transport.Endpoint{
		Name:            s,
		Transport:       "ssh",
		Address:         addr,
		Port:            22,
		User:            from.User,
		PrivateKey:      from.PrivateKey,
		KnownHosts:      from.KnownHosts,
		HostKeyChecking: from.HostKeyChecking,
		ConnectTimeout:  from.ConnectTimeout,
	}
	if user != "" {
		ep.User = user
	}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Sprintf("port %s is out of range 1-65535", port)
		}
		ep.Port = p
	}
	return ep, ""
}

// didYouMean suggests the closest name for a diagnostic detail, if one is
// close.
func didYouMean(name string, candidates []string) string {
	return didyoumean.Sentence(name, candidates)
}
