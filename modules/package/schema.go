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

// Schema returns the arguments and outputs.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Outputs: outputsType,
		Summary: "Install, upgrade or remove apt packages (dpkg-query/apt-cache to plan, apt-get to apply)",
		Doc:     doc,
		Example: example,
	}
}
