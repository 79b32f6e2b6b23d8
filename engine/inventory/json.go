package inventory

import (
	"encoding/json"
	"fmt"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// MarshalJSON renders the merged inventory: hosts in declaration order
// with their endpoint, groups and vars; groups by name. It is what
// `runbook inventory` prints and what the golden tests compare. Vars are
// printed as they are: an inventory holds no secret the engine knows of.
func (inv *Inventory) MarshalJSON() ([]byte, error) {
	type endpointJSON struct {
		Transport       string          `json:"transport"`
		Address         string          `json:"address"`
		Port            int             `json:"port"`
		User            string          `json:"user,omitempty"`
		PrivateKey      string          `json:"private_key,omitempty"`
		KnownHosts      string          `json:"known_hosts,omitempty"`
		HostKeyChecking string          `json:"host_key_checking"`
		ConnectTimeout  string          `json:"connect_timeout,omitempty"`
		Jump            []*endpointJSON `json:"jump,omitempty"`
	}
	type hostJSON struct {
		Name       string         `json:"name"`
		Implicit   bool           `json:"implicit,omitempty"`
		Endpoint   *endpointJSON  `json:"endpoint"`
		Become     bool           `json:"become"`
		BecomeUser string         `json:"become_user,omitempty"`
		Groups     []string       `json:"groups"`
		Vars       map[string]any `json:"vars"`
		Decl       string         `json:"decl,omitempty"`
	}
	type groupJSON struct {
		Hosts    []string       `json:"hosts"`
		Children []string       `json:"children,omitempty"`
		Parents  []string       `json:"parents,omitempty"`
		Vars     map[string]any `json:"vars,omitempty"`
		Decl     string         `json:"decl,omitempty"`
	}
	var out struct {
		Hosts  []hostJSON           `json:"hosts"`
		Groups map[string]groupJSON `json:"groups"`
	}
	out.Hosts = []hostJSON{}
	out.Groups = map[string]groupJSON{}
	var ep func(e *transport.Endpoint) *endpointJSON
	ep = func(e *transport.Endpoint) *endpointJSON {
		j := &endpointJSON{
			Transport: e.Transport, Address: e.Address, Port: e.Port, User: e.User,
			PrivateKey: e.PrivateKey, KnownHosts: e.KnownHosts, HostKeyChecking: string(e.HostKeyChecking),
		}
		if e.ConnectTimeout > 0 {
			j.ConnectTimeout = e.ConnectTimeout.String()
		}
		for _, h := range e.Jump {
			j.Jump = append(j.Jump, ep(h))
		}
		return j
	}
	for _, n := range inv.hostOrder {
		h := inv.Hosts[n]
		hj := hostJSON{
			Name: h.Name, Implicit: h.Implicit, Endpoint: ep(&h.Endpoint), Become: h.Become, BecomeUser: h.BecomeUser,
			Groups: h.Groups, Vars: varsJSON(h.Vars),
		}
		if h.DeclRange.Filename != "" {
			hj.Decl = h.DeclRange.String()
		}
		out.Hosts = append(out.Hosts, hj)
	}
	for n, g := range inv.Groups {
		gj := groupJSON{Hosts: g.Hosts, Children: g.Children, Parents: g.Parents}
		if gj.Hosts == nil {
			gj.Hosts = []string{}
		}
		if len(g.Vars) > 0 {
			gj.Vars = varsJSON(g.Vars)
		}
		if g.DeclRange.Filename != "" {
			gj.Decl = g.DeclRange.String()
		}
		out.Groups[n] = gj
	}
	return json.Marshal(out)
}

func varsJSON(vars map[string]cty.Value) map[string]any {
	out := make(map[string]any, len(vars))
	for k, v := range vars {
		out[k] = CtyToGo(v)
	}
	return out
}

// CtyToGo turns a var value into plain Go values (nil, bool, string,
// json.Number, []any, map[string]any) for JSON.
func CtyToGo(v cty.Value) any {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Bool:
		return v.True()
	case ty == cty.Number:
		return json.Number(v.AsBigFloat().Text('f', -1))
	case ty.IsObjectType() || ty.IsMapType():
		m := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			m[k.AsString()] = CtyToGo(e)
		}
		return m
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		l := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			l = append(l, CtyToGo(e))
		}
		return l
	}
	return fmt.Sprintf("%#v", v)
}
