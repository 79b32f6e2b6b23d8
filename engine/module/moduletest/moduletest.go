// Package moduletest helps module tests: decode a module block written in
// HCL against the module's own schema, and call Plan and Apply the way the
// engine does (plan first, apply only when the plan says so).
package moduletest

import (
	"context"
	"errors"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// Decode parses src (the body of a module block, e.g. `argv = ["true"]`),
// decodes it with m's schema and checks it with m's rules, as validation
// does. It returns the value and the diagnostics, so tests of bad input
// can look at them.
func Decode(m module.Module, src string) (cty.Value, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, more := hcldec.Decode(f.Body, m.Schema().Args, nil)
	diags = append(diags, more...)
	if !diags.HasErrors() {
		// The module's rules, as the engine checks them at load time.
		diags = append(diags, module.Diagnose(m, f.Body, hcl.Range{Filename: "test.hcl", Start: hcl.InitialPos, End: hcl.InitialPos}, v, "")...)
	}
	return v, diags
}

// Args decodes src with m's schema (types only: the rules are for Check,
// Plan and Decode to report), failing the test on any diagnostic.
func Args(t testing.TB, m module.Module, src string) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing module args: %s", diags.Error())
	}
	v, diags := hcldec.Decode(f.Body, m.Schema().Args, nil)
	if diags.HasErrors() {
		t.Fatalf("decoding module args: %s", diags.Error())
	}
	return v
}

// Request builds a request for host "localhost" (or the given host name).
func Request(args cty.Value, conn transport.Conn, host string) module.Request {
	if host == "" {
		host = "localhost"
	}
	return module.Request{Args: args, Conn: conn, Host: module.Host{Name: host, Vars: map[string]cty.Value{}}}
}

// Check runs m's declared rules and Validator on args, as the engine does
// at load time and before every Plan.
func Check(m module.Module, args cty.Value) []*module.ArgError {
	return module.CheckArgs(m, &module.ValidateRequest{Args: args})
}

// Plan calls m.Plan after checking the arguments as the engine does: a
// broken rule is the plan's error, and Plan is not called.
func Plan(t testing.TB, m module.Module, req module.Request) *module.PlanResponse {
	t.Helper()
	if errs := module.HideSensitive(module.CheckArgs(m, &module.ValidateRequest{Args: req.Args, BaseDir: req.BaseDir}), req.Sensitive); len(errs) > 0 {
		joined := make([]error, len(errs))
		for i, e := range errs {
			joined[i] = e
		}
		return &module.PlanResponse{Err: errors.Join(joined...)}
	}
	resp := m.Plan(context.Background(), &module.PlanRequest{Request: req})
	if resp == nil {
		t.Fatal("Plan returned nil")
	}
	return resp
}

// Run plans and, when the plan is not NoOp and has no error, applies, as
// the engine does in a run. It returns both responses (apply may be nil).
func Run(t testing.TB, m module.Module, req module.Request) (*module.PlanResponse, *module.ApplyResponse) {
	t.Helper()
	p := Plan(t, m, req)
	if p.Err != nil || p.Action == module.NoOp {
		return p, nil
	}
	a := m.Apply(context.Background(), &module.ApplyRequest{Request: req, Planned: p})
	if a == nil {
		t.Fatal("Apply returned nil")
	}
	return p, a
}
