package troveinstance

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

// Name is the block type of the module in a task.
const Name = "trove_instance"

// Module is the trove_instance module.
type Module struct{}

// New returns the module.
func New() module.Module { return Module{} }

var userType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"name":      cty.String,
	"password":  cty.String,
	"host":      cty.String,
	"databases": cty.List(cty.String),
}, []string{"host", "databases"})

var waitType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"status":  cty.String,
	"timeout": cty.String,
	"enabled": cty.Bool,
}, []string{"status", "timeout", "enabled"})

var outputsType = cty.Object(map[string]cty.Type{
	"tenant_id":        cty.String,
	"server_id":        cty.String,
	"image_id":         cty.String,
	"task":             cty.String,
	"networks":         cty.List(cty.String),
	"access":           troveops.AccessType,
	"id":               cty.String,
	"name":             cty.String,
	"status":           cty.String,
	"operating_status": cty.String,
	"addresses":        cty.List(troveops.AddressType),
	"datastore":        cty.Object(map[string]cty.Type{"type": cty.String, "version": cty.String}),
	"flavor_id":        cty.String,
	"volume_size":      cty.Number,
	"region":           cty.String,
	"fault":            cty.String,
	"instances":        cty.List(troveops.InstanceType),
	"databases":        cty.List(cty.String),
	"users":            cty.List(cty.String),
})

var argsSpec = openstack.Merge(openstack.ConnectionSpec(), hcldec.ObjectSpec{
	"action":            &hcldec.AttrSpec{Name: "action", Type: cty.String},
	"id":                &hcldec.AttrSpec{Name: "id", Type: cty.String},
	"name":              &hcldec.AttrSpec{Name: "name", Type: cty.String},
	"flavor":            &hcldec.AttrSpec{Name: "flavor", Type: cty.String},
	"volume_size":       &hcldec.AttrSpec{Name: "volume_size", Type: cty.Number},
	"volume_type":       &hcldec.AttrSpec{Name: "volume_type", Type: cty.String},
	"datastore":         &hcldec.AttrSpec{Name: "datastore", Type: cty.String},
	"datastore_version": &hcldec.AttrSpec{Name: "datastore_version", Type: cty.String},
	"availability_zone": &hcldec.AttrSpec{Name: "availability_zone", Type: cty.String},
	"configuration":     &hcldec.AttrSpec{Name: "configuration", Type: cty.String},
	"databases":         &hcldec.AttrSpec{Name: "databases", Type: cty.List(cty.String)},
	"users":             &hcldec.AttrSpec{Name: "users", Type: cty.List(userType)},
	"networks":          &hcldec.AttrSpec{Name: "networks", Type: cty.List(cty.String)},
	"backup":            &hcldec.AttrSpec{Name: "backup", Type: cty.String},
	"status":            &hcldec.AttrSpec{Name: "status", Type: cty.List(cty.String)},
	"rebuild":           &hcldec.AttrSpec{Name: "rebuild", Type: cty.String},
	"wait":              &hcldec.AttrSpec{Name: "wait", Type: waitType},
	"confirm":           &hcldec.AttrSpec{Name: "confirm", Type: cty.Bool},
	"all_projects":      &hcldec.AttrSpec{Name: "all_projects", Type: cty.Bool},
	"access":            &hcldec.AttrSpec{Name: "access", Type: accessType},
})

var accessType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"is_public":     cty.Bool,
	"allowed_cidrs": cty.List(cty.String),
}, []string{"is_public", "allowed_cidrs"})

// Schema returns the arguments and outputs.
var rules = []module.Rule{
	module.OneOf("action", actions...),
	module.When("action", []string{"create"}, module.Required("name", "flavor", "volume_size")),
	module.InRange("volume_size", 1, 1<<20, true),
	module.When("action", []string{"find", "restart", "delete", "upgrade", "rebuild"}, module.AtLeastOneOf("id", "name")),
	module.When("action", []string{"upgrade"}, module.Required("datastore_version")),
	module.When("action", []string{"rebuild"}, module.Required("rebuild")),
	module.Formatted("wait.timeout", module.Duration),
}

func (Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Rules:   rules,
		Outputs: outputsType,
		Summary: summary,
		Doc:     doc + "## Connection\n\n" + openstack.ConnectionDoc,
		Example: example,
	}
}
