package openstack

import (
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/args"
)

// ConnectionSpec returns the arguments every OpenStack module takes, to merge
// into its hcldec.ObjectSpec: cloud, region, interface.
func ConnectionSpec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"cloud":     &hcldec.AttrSpec{Name: "cloud", Type: cty.String},
		"region":    &hcldec.AttrSpec{Name: "region", Type: cty.String},
		"interface": &hcldec.AttrSpec{Name: "interface", Type: cty.String},
	}
}

// Merge returns a spec holding the attributes of all specs.
func Merge(specs ...hcldec.ObjectSpec) hcldec.ObjectSpec { return args.Merge(specs...) }

// ConnectionDoc documents the connection arguments, for module reference pages.
const ConnectionDoc = "- `cloud` (string): the cloud's name in clouds.yaml (+ secure.yaml). Default: the host var `cloud`, then `OS_CLOUD`, then the `OS_*` variables (`OS_AUTH_URL`...).\n" +
	"- `region` (string): overrides the cloud's region_name.\n" +
	"- `interface` (string): `public` (default), `internal` or `admin` endpoints.\n"

// ParamsFrom reads the connection arguments of req: cloud, else the host var
// cloud; region; interface.
func ParamsFrom(req *module.Request) (Params, error) {
	p := Params{Cloud: Str(req.Args, "cloud"), Region: Str(req.Args, "region"), Interface: Str(req.Args, "interface")}
	if p.Cloud == "" {
		if v, ok := req.Host.Vars["cloud"]; ok && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			p.Cloud = v.AsString()
		}
	}
	switch p.Interface {
	case "", "public", "internal", "admin":
	default:
		return p, fmt.Errorf("interface = %q: must be public, internal or admin", p.Interface)
	}
	return p, nil
}

// attr returns args.name, or a null value when args has no such attribute.
func attr(obj cty.Value, name string) cty.Value { return args.Attr(obj, name) }

// Str returns a string argument, "" when null.
func Str(obj cty.Value, name string) string { return args.Str(obj, name) }

// Bool returns a bool argument, def when null.
func Bool(obj cty.Value, name string, def bool) bool { return args.Bool(obj, name, def) }

// Int returns a number argument as int, def when null.
func Int(obj cty.Value, name string, def int) int { return args.Int(obj, name, def) }

// Strings returns a list/set/tuple of strings, nil when null.
func Strings(obj cty.Value, name string) []string { return args.Strings(obj, name) }

// StringMap returns a map/object of strings, nil when null.
func StringMap(args cty.Value, name string) map[string]string {
	v := attr(args, name)
	if v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return nil
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsKnown() && !e.IsNull() && e.Type() == cty.String {
			out[k.AsString()] = e.AsString()
		}
	}
	return out
}

// Duration parses a duration argument ("20m", "90s"), def when null.
func Duration(args cty.Value, name string, def time.Duration) (time.Duration, error) {
	s := Str(args, name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s = %q: not a positive duration such as \"90s\" or \"20m\"", name, s)
	}
	return d, nil
}

// StringListVal makes a cty list of strings (an empty list, never null).
func StringListVal(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// StringMapVal makes a cty map of strings (an empty map, never null).
func StringMapVal(m map[string]string) cty.Value {
	if len(m) == 0 {
		return cty.MapValEmpty(cty.String)
	}
	vals := make(map[string]cty.Value, len(m))
	for k, s := range m {
		vals[k] = cty.StringVal(s)
	}
	return cty.MapVal(vals)
}

// SortedKeys returns m's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
