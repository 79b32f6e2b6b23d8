package openstackimage

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/openstack"
)

// Name is the block type of the module in a task.
const Name = "openstack_image"

// Module is the openstack_image module.
type Module struct{}

// New returns the module.
func New() module.Module { return Module{} }

var imageType = cty.Object(map[string]cty.Type{
	"id":            cty.String,
	"name":          cty.String,
	"status":        cty.String,
	"checksum":      cty.String,
	"os_hash_value": cty.String,
	"size":          cty.Number,
	"tags":          cty.List(cty.String),
	"visibility":    cty.String,
})

var outputsType = cty.Object(map[string]cty.Type{
	"id":            cty.String,
	"name":          cty.String,
	"status":        cty.String,
	"checksum":      cty.String,
	"os_hash_value": cty.String,
	"size":          cty.Number,
	"images":        cty.List(imageType),
})

var argsSpec = openstack.Merge(openstack.ConnectionSpec(), hcldec.ObjectSpec{
	"action":           &hcldec.AttrSpec{Name: "action", Type: cty.String},
	"name":             &hcldec.AttrSpec{Name: "name", Type: cty.String},
	"file":             &hcldec.AttrSpec{Name: "file", Type: cty.String},
	"disk_format":      &hcldec.AttrSpec{Name: "disk_format", Type: cty.String},
	"container_format": &hcldec.AttrSpec{Name: "container_format", Type: cty.String},
	"visibility":       &hcldec.AttrSpec{Name: "visibility", Type: cty.String},
	"properties":       &hcldec.AttrSpec{Name: "properties", Type: cty.Map(cty.String)},
	"tags":             &hcldec.AttrSpec{Name: "tags", Type: cty.List(cty.String)},
	"min_disk":         &hcldec.AttrSpec{Name: "min_disk", Type: cty.Number},
	"min_ram":          &hcldec.AttrSpec{Name: "min_ram", Type: cty.Number},
	"old_image":        &hcldec.AttrSpec{Name: "old_image", Type: cty.String},
	"timeout":          &hcldec.AttrSpec{Name: "timeout", Type: cty.String},
})

var rules = []module.Rule{
	module.OneOf("action", "create", "find"),
	module.When("action", []string{"find"}, module.AtLeastOneOf("name", "tags")),
	module.When("action", []string{"", "create"}, module.Required("name", "file")),
	module.OneOf("visibility", "private", "shared", "community", "public"),
	module.OneOf("old_image", "keep", "rename", "deactivate"),
	module.Formatted("timeout", module.Duration),
}

// Schema returns the arguments and outputs.
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
