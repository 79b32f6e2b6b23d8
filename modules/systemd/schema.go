package systemd

import (
	_ "embed"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// Name is the module's block name in a task.
const Name = "systemd"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module manages systemd units.
type Module struct{}

// New returns the systemd module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

var waitType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"timeout": cty.String,
	"stable":  cty.String,
}, []string{"timeout", "stable"})

var argsSpec = hcldec.ObjectSpec{
	"name":          &hcldec.AttrSpec{Name: "name", Type: cty.String},
	"units":         &hcldec.AttrSpec{Name: "units", Type: cty.List(cty.String)},
	"state":         &hcldec.AttrSpec{Name: "state", Type: cty.String},
	"enabled":       &hcldec.AttrSpec{Name: "enabled", Type: cty.Bool},
	"daemon_reload": &hcldec.AttrSpec{Name: "daemon_reload", Type: cty.Bool},
	"wait":          &hcldec.AttrSpec{Name: "wait", Type: waitType},
}

// Schema returns the arguments and outputs.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Outputs: outputsType,
		Summary: "Start, stop, restart, reload, enable or disable systemd units (names or globs), waiting until they stay up",
		Doc:     doc,
		Example: example,
	}
}
