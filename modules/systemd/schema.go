package systemd

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

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

// unitName is a unit name or glob as systemctl takes it.
var unitName = module.Format{Name: "a unit name or glob", Bad: "-x", Check: func(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("it is empty")
	case strings.HasPrefix(s, "-"):
		return fmt.Errorf("%q starts with '-'", s)
	case strings.ContainsAny(s, "\n\x00"):
		return fmt.Errorf("%q holds a newline or NUL", s)
	}
	return nil
}}

var rules = []module.Rule{
	module.AtLeastOneOf("name", "units"),
	module.Formatted("name", unitName),
	module.Formatted("units", unitName),
	module.OneOf("state", string(StateStarted), string(StateStopped), string(StateRestarted), string(StateReloaded)),
	module.AtLeastOneOf("state", "enabled", "daemon_reload"),
	module.Unless("state", []string{string(StateStarted), string(StateRestarted), string(StateReloaded)}, module.Forbidden("wait")),
	module.Formatted("wait.timeout", module.Duration),
	module.Formatted("wait.stable", module.Duration),
}

// Validate checks what the rules cannot: wait.stable shorter than
// wait.timeout.
func (*Module) Validate(req *module.ValidateRequest) []*module.ArgError {
	w := getAttr(req.Args, "wait")
	if !w.IsKnown() || w.IsNull() {
		return nil
	}
	timeout, stable := getAttr(w, "timeout"), getAttr(w, "stable")
	if !timeout.IsKnown() || !stable.IsKnown() || stable.IsNull() {
		return nil
	}
	t := defaultWaitTimeout
	if !timeout.IsNull() {
		t, _ = time.ParseDuration(timeout.AsString())
	}
	if s, _ := time.ParseDuration(stable.AsString()); s >= t {
		return []*module.ArgError{{Path: cty.GetAttrPath("wait").GetAttr("stable"), Summary: "Invalid value for wait.stable",
			Detail: fmt.Sprintf("wait.stable (%s) must be shorter than wait.timeout (%s).", s, t)}}
	}
	return nil
}

// Schema returns the arguments and outputs.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Rules:   rules,
		Outputs: outputsType,
		Summary: "Start, stop, restart, reload, enable or disable systemd units (names or globs), waiting until they stay up",
		Doc:     doc,
		Example: example,
	}
}
