package inventory

import (
	"context"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// The loaders (HCL, INI, YAML, sources, vars folders) all fill the same
// declaration model below; finish (merge.go) turns it into an Inventory.

// conn holds the connection settings one layer sets; nil means "not set
// here".
type conn struct {
	Transport       *string
	Address         *string
	Port            *int
	User            *string
	PrivateKey      *string
	KnownHosts      *string
	HostKeyChecking *transport.HostKeyChecking
	ConnectTimeout  *time.Duration
	Become          *bool
	BecomeUser      *string
	Jump            []jumpRef
	JumpSet         bool
}

// jumpRef is one hop of a jump chain as written.
type jumpRef struct {
	Value string
	Range hcl.Range
	// Strict: an unknown plain name is an error (HCL); otherwise it is an
	// SSH host name (Ansible's ProxyJump).
	Strict bool
}

// override copies every setting o sets onto c.
func (c *conn) override(o *conn) {
	if o.Transport != nil {
		c.Transport = o.Transport
	}
	if o.Address != nil {
		c.Address = o.Address
	}
	if o.Port != nil {
		c.Port = o.Port
	}
	if o.User != nil {
		c.User = o.User
	}
	if o.PrivateKey != nil {
		c.PrivateKey = o.PrivateKey
	}
	if o.KnownHosts != nil {
		c.KnownHosts = o.KnownHosts
	}
	if o.HostKeyChecking != nil {
		c.HostKeyChecking = o.HostKeyChecking
	}
	if o.ConnectTimeout != nil {
		c.ConnectTimeout = o.ConnectTimeout
	}
	if o.Become != nil {
		c.Become = o.Become
	}
	if o.BecomeUser != nil {
		c.BecomeUser = o.BecomeUser
	}
	if o.JumpSet {
		c.Jump = o.Jump
		c.JumpSet = true
	}
}

// layer is one level of vars and connection settings (defaults, a group's
// inventory vars, a group_vars file, a host's vars...).
type layer struct {
	vars   map[string]cty.Value
	ranges map[string]hcl.Range // where each var was set, for diagnostics
	conn   conn                 // explicit settings (HCL attributes)

	derived     *conn // conn plus ansible_* vars, computed once by finish
	derivedDone bool
}

func (l *layer) setVar(name string, v cty.Value, rng hcl.Range) {
	if l.vars == nil {
		l.vars = map[string]cty.Value{}
		l.ranges = map[string]hcl.Range{}
	}
	l.vars[name] = v
	l.ranges[name] = rng
}

// merge adds o's vars and settings over l's.
func (l *layer) merge(o *layer) {
	for k, v := range o.vars {
		l.setVar(k, v, o.ranges[k])
	}
	l.conn.override(&o.conn)
}

type ref struct {
	Name  string
	Range hcl.Range
}

type hostDecl struct {
	name      string
	declRange hcl.Range
	groups    []ref    // direct groups as written; checked in finish when strict
	inv       []*layer // inventory-file / HCL / source vars, in load order
	hostVars  []*layer // host_vars/ files, in load order
	fromHCL   bool
	implicit  bool // the localhost every inventory has
	order     int
}

type groupDecl struct {
	name      string
	declRange hcl.Range
	children  []ref
	inv       []*layer
	groupVars []*layer
	fromHCL   bool
}

// builder accumulates declarations from every path.
type builder struct {
	ctx     context.Context
	sources map[string]Source

	hosts     map[string]*hostDecl
	hostOrder []string
	groups    map[string]*groupDecl
	defaults  *layer
	defRange  *hcl.Range

	// hostGroupRefs are HCL references to groups, checked once every file
	// is read (a group may be declared after the host that names it).
	strictRefs []ref

	varDirs   []string // directories whose group_vars/ and host_vars/ apply
	varDirSet map[string]bool

	pendingJumps []hostJumps // filled by mergeHost, resolved once every endpoint is known

	files map[string]*hcl.File
	diags hcl.Diagnostics
}

func newBuilder(ctx context.Context, sources map[string]Source) *builder {
	return &builder{
		ctx:     ctx,
		sources: sources,
		hosts:   map[string]*hostDecl{},
		// Ansible's two implicit groups exist from the start ([all:vars]
		// needs no [all] section).
		groups: map[string]*groupDecl{
			AllGroup:       {name: AllGroup},
			UngroupedGroup: {name: UngroupedGroup},
		},
		varDirSet: map[string]bool{},
		files:     map[string]*hcl.File{},
	}
}

// host returns the host called name, declaring it at rng if new.
func (b *builder) host(name string, rng hcl.Range) *hostDecl {
	if h, ok := b.hosts[name]; ok {
		return h
	}
	h := &hostDecl{name: name, declRange: rng, order: len(b.hostOrder)}
	b.hosts[name] = h
	b.hostOrder = append(b.hostOrder, name)
	return h
}

// group returns the group called name, declaring it at rng if new.
func (b *builder) group(name string, rng hcl.Range) *groupDecl {
	g, ok := b.groups[name]
	if !ok {
		g = &groupDecl{name: name, declRange: rng}
		b.groups[name] = g
	}
	return g
}

func (b *builder) addVarDir(dir string) {
	if b.varDirSet[dir] {
		return
	}
	b.varDirSet[dir] = true
	b.varDirs = append(b.varDirs, dir)
}

func (b *builder) errorf(rng *hcl.Range, summary, detail string) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng})
}

func (b *builder) warnf(rng *hcl.Range, summary, detail string) {
	b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: rng})
}

func ptr[T any](v T) *T { return &v }
