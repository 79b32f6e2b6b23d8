// Package moduletest helps module tests: decode a module block written in
// HCL against the module's own schema, and call Plan and Apply the way the
// engine does (plan first, apply only when the plan says so).
package moduletest

import (
	"context"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// Decode parses src (the body of a module block, e.g. `argv = ["true"]`)
// and decodes it with m's schema. It returns the value and the diagnostics,
// so tests of bad input can look at them.
func Decode(m module.Module, src string) (cty.Value, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, more := hcldec.Decode(f.Body, m.Schema().Args, nil)
	return v, append(diags, more...)
}

// Args is Decode that fails the test on any diagnostic.
func Args(t testing.TB, m module.Module, src string) cty.Value {
	t.Helper()
	v, diags := Decode(m, src)
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

// Plan calls m.Plan.
func Plan(t testing.TB, m module.Module, req module.Request) *module.PlanResponse {
	t.Helper()
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
