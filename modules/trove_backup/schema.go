package trovebackup

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

// Name is the block type of the module in a task.
const Name = "trove_backup"

// Module is the trove_backup module.
type Module struct{}

// New returns the module.
func New() module.Module { return Module{} }

var backupType = cty.Object(map[string]cty.Type{
	"id":          cty.String,
	"name":        cty.String,
	"status":      cty.String,
	"size":        cty.Number,
	"location":    cty.String,
	"instance_id": cty.String,
	"datastore":   cty.Object(map[string]cty.Type{"type": cty.String, "version": cty.String}),
	"created":     cty.String,
})

var outputsType = func() cty.Type {
	attrs := map[string]cty.Type{"backups": cty.List(backupType)}
	for k, v := range backupType.AttributeTypes() {
		attrs[k] = v
	}
	return cty.Object(attrs)
}()

var waitType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"timeout": cty.String,
	"enabled": cty.Bool,
}, []string{"timeout", "enabled"})

var argsSpec = openstack.Merge(openstack.ConnectionSpec(), hcldec.ObjectSpec{
	"action":      &hcldec.AttrSpec{Name: "action", Type: cty.String},
	"instance":    &hcldec.AttrSpec{Name: "instance", Type: cty.String},
	"name":        &hcldec.AttrSpec{Name: "name", Type: cty.String},
	"id":          &hcldec.AttrSpec{Name: "id", Type: cty.String},
	"description": &hcldec.AttrSpec{Name: "description", Type: cty.String},
	"incremental": &hcldec.AttrSpec{Name: "incremental", Type: cty.Bool},
	"parent":      &hcldec.AttrSpec{Name: "parent", Type: cty.String},
	"wait":        &hcldec.AttrSpec{Name: "wait", Type: waitType},
	"confirm":     &hcldec.AttrSpec{Name: "confirm", Type: cty.Bool},
})

// Schema returns the arguments and outputs.
func (Module) Schema() *module.Schema {
	return &module.Schema{
		Args: argsSpec,
		Rules: []module.Rule{
			module.OneOf("action", "create", "list", "find", "delete"),
			module.When("action", []string{"", "create"}, module.Required("instance", "name")),
			module.When("action", []string{"find", "delete"}, module.AtLeastOneOf("id", "name")),
			module.Formatted("wait.timeout", module.Duration),
		},
		Outputs: outputsType,
		Summary: summary,
		Doc:     doc + "## Connection\n\n" + openstack.ConnectionDoc,
		Example: example,
	}
}
