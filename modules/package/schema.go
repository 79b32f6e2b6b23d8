// Package pkg is the package module: it makes Debian/Ubuntu packages
// present (optionally at a version), at the latest candidate, or absent,
// with apt-get on the task's host.
//
// Plan only reads (dpkg-query, apt-cache policy): check mode never
// installs, downloads or refreshes anything. Apply runs apt-get
// non-interactively, waiting for the dpkg lock. The Go package is named
// pkg because package is a keyword; the module's name is "package".
package pkg

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// Name is the module's block name in a task.
const Name = "package"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module manages apt packages.
type Module struct{}

// New returns the package module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

var argsSpec = hcldec.ObjectSpec{
	"name":               &hcldec.AttrSpec{Name: "name", Type: cty.String},
	"names":              &hcldec.AttrSpec{Name: "names", Type: cty.List(cty.String)},
	"state":              &hcldec.AttrSpec{Name: "state", Type: cty.String},
	"update_cache":       &hcldec.AttrSpec{Name: "update_cache", Type: cty.Bool},
	"purge":              &hcldec.AttrSpec{Name: "purge", Type: cty.Bool},
	"install_recommends": &hcldec.AttrSpec{Name: "install_recommends", Type: cty.Bool},
	"lock_timeout":       &hcldec.AttrSpec{Name: "lock_timeout", Type: cty.String},
}

var pkgType = cty.Object(map[string]cty.Type{
	"before": cty.String,
	"after":  cty.String,
})

var outputsType = cty.Object(map[string]cty.Type{
	"packages": cty.Map(pkgType),
})

// pkgFormat is "name" or "name=version".
var pkgFormat = module.Format{Name: `a Debian package name, or name=version`, Bad: "Bad Name", Check: func(s string) error {
	name, version, hasVersion := strings.Cut(strings.TrimSpace(s), "=")
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%q is not a Debian package name", s)
	}
	if hasVersion && !versionRE.MatchString(version) {
		return fmt.Errorf("%q: %q is not a package version", s, version)
	}
	return nil
}}

// noVersion is a package name without "=version".
var noVersion = module.Format{Name: "a package name without a version", Bad: "sl=1", Check: func(s string) error {
	if strings.Contains(s, "=") {
		return fmt.Errorf("%q names a version, which goes with state = \"present\" only", s)
	}
	return nil
}}

var rules = []module.Rule{
	module.AtLeastOneOf("name", "names"),
	module.Formatted("name", pkgFormat),
	module.Formatted("names", pkgFormat),
	module.OneOf("state", "present", "absent", "latest"),
	module.Unless("state", []string{"", "present"}, module.Formatted("name", noVersion), module.Formatted("names", noVersion)),
	module.Unless("state", []string{"absent"}, module.Forbidden("purge")),
	module.Formatted("lock_timeout", module.Duration),
}

// Validate checks that no package is named twice.
func (*Module) Validate(req *module.ValidateRequest) []*module.ArgError {
	var raw []string
	if v := attr(req.Args, "name"); v.IsKnown() && !v.IsNull() {
		raw = append(raw, v.AsString())
	}
	names := attr(req.Args, "names")
	if !names.IsWhollyKnown() {
		return nil
	}
	if !names.IsNull() {
		for it := names.ElementIterator(); it.Next(); {
			_, e := it.Element()
			raw = append(raw, e.AsString())
		}
	}
	seen := map[string]bool{}
	for _, r := range raw {
		name, _, _ := strings.Cut(strings.TrimSpace(r), "=")
		if seen[name] {
			return []*module.ArgError{{Path: cty.GetAttrPath("names"), Summary: "Invalid value for names",
				Detail: fmt.Sprintf("Package %s is named twice.", name)}}
		}
		seen[name] = true
	}
	return nil
}

// Schema returns the arguments and outputs.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Rules:   rules,
		Outputs: outputsType,
		Summary: "Install, upgrade or remove apt packages (dpkg-query/apt-cache to plan, apt-get to apply)",
		Doc:     doc,
		Example: example,
	}
}
