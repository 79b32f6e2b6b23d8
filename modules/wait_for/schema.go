// Package wait_for is the wait_for module: it waits until a TCP port is
// open (or closed), an HTTP URL answers an expected status (and body), or a
// file exists (or holds a match for a regexp, or is gone), checking from
// the task's host through its connection or from the control node.
//
// It never changes anything: Plan checks once, Apply polls until the
// condition holds or the timeout passes.
package wait_for

import (
	_ "embed"
	"errors"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
)

// Name is the module's block name in a task.
const Name = "wait_for"

//go:embed doc.md
var doc string

//go:embed example.hcl
var example string

// Module waits for a condition.
type Module struct{}

// New returns the wait_for module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

var argsSpec = hcldec.ObjectSpec{
	"port":     &hcldec.AttrSpec{Name: "port", Type: cty.Number},
	"address":  &hcldec.AttrSpec{Name: "address", Type: cty.String},
	"url":      &hcldec.AttrSpec{Name: "url", Type: cty.String},
	"status":   &hcldec.AttrSpec{Name: "status", Type: cty.List(cty.Number)},
	"body":     &hcldec.AttrSpec{Name: "body", Type: cty.String},
	"insecure": &hcldec.AttrSpec{Name: "insecure", Type: cty.Bool},
	"path":     &hcldec.AttrSpec{Name: "path", Type: cty.String},
	"regexp":   &hcldec.AttrSpec{Name: "regexp", Type: cty.String},
	"state":    &hcldec.AttrSpec{Name: "state", Type: cty.String},
	"from":     &hcldec.AttrSpec{Name: "from", Type: cty.String},
	"timeout":  &hcldec.AttrSpec{Name: "timeout", Type: cty.String},
	"interval": &hcldec.AttrSpec{Name: "interval", Type: cty.String},
}

var outputsType = cty.Object(map[string]cty.Type{
	"elapsed":  cty.Number,
	"attempts": cty.Number,
	"status":   cty.Number,
	"match":    cty.String,
})

// interval is a duration of more than nothing.
var interval = module.Format{Name: `a duration of more than 0, like "1s"`, Bad: "0s", Check: func(s string) error {
	if err := module.Duration.Check(s); err != nil {
		return err
	}
	if d, _ := time.ParseDuration(s); d <= 0 {
		return errors.New("it must be more than 0")
	}
	return nil
}}

var rules = []module.Rule{
	module.ExactlyOneOf("port", "url", "path"),
	module.InRange("port", 1, 65535, true),
	module.Formatted("url", module.HTTPURL),
	module.Requires("address", "port"),
	module.Requires("status", "url"),
	module.InRange("status", 100, 599, true),
	module.Requires("body", "url"),
	module.Formatted("body", module.Regexp),
	module.Requires("regexp", "path"),
	module.Formatted("regexp", module.Regexp),
	module.WhenOn("port", module.OneOf("state", "open", "started", "closed", "stopped")),
	module.WhenOn("path", module.OneOf("state", "present", "absent")),
	module.WhenOn("url", module.OneOf("state", "open")),
	module.OneOf("from", "host", "control"),
	module.Formatted("timeout", module.Duration),
	module.Formatted("interval", interval),
}

// Schema returns the arguments and outputs.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Rules:   rules,
		Outputs: outputsType,
		Summary: "Wait for a TCP port, an HTTP URL or a file (and regexp), from the host or the control node",
		Doc:     doc,
		Example: example,
	}
}
