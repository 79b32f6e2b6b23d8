package assert

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		wantSummary string
		wantDetail  string
		wantLine    int
	}{
		{name: "unknown argument", src: "conditions = [{ condition = true }]\nfail_msg = \"x\"", wantSummary: "Unsupported argument", wantDetail: `"fail_msg"`, wantLine: 2},
		{name: "missing conditions", src: `success_msg = "ok"`, wantSummary: "Missing required argument", wantDetail: `"conditions"`},
		{name: "not a list", src: `conditions = true`, wantSummary: "Invalid conditions", wantDetail: "must be a list, not bool", wantLine: 1},
		{name: "null", src: `conditions = null`, wantSummary: "Invalid conditions", wantDetail: "null"},
		{name: "empty", src: `conditions = []`, wantSummary: "Invalid conditions", wantDetail: "empty"},
		{name: "list of bools", src: `conditions = [true, false]`, wantSummary: "Invalid condition", wantDetail: "conditions[0] must be an object, not bool"},
		{name: "misspelt message", src: `conditions = [{ condition = true, mesage = "x" }]`, wantSummary: "Unsupported condition attribute", wantDetail: `"mesage"; only condition and message are allowed. Did you mean message?`},
		{name: "missing condition", src: `conditions = [{ condition = true }, { message = "x" }]`, wantSummary: "Missing condition", wantDetail: "conditions[1] has no condition"},
		{name: "condition is a string", src: `conditions = [{ condition = "false" }]`, wantSummary: "Invalid condition", wantDetail: "conditions[0].condition must be a bool, not string"},
		{name: "condition is null", src: `conditions = [{ condition = null }]`, wantSummary: "Invalid condition", wantDetail: "conditions[0].condition is null"},
		{name: "message is a number", src: `conditions = [{ condition = true, message = 3 }]`, wantSummary: "Invalid message", wantDetail: "conditions[0].message must be a string, not number"},
		{name: "success_msg wrong type", src: "conditions = [{ condition = true }]\nsuccess_msg = [1]", wantSummary: "Incorrect attribute value type", wantLine: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := moduletest.Decode(New(), tt.src)
			if !diags.HasErrors() {
				t.Fatalf("no error decoding %q", tt.src)
			}
			d := diags[0]
			if d.Summary != tt.wantSummary || !strings.Contains(d.Detail, tt.wantDetail) {
				t.Errorf("diagnostic = %q / %q, want %q / %q", d.Summary, d.Detail, tt.wantSummary, tt.wantDetail)
			}
			if d.Subject == nil {
				t.Errorf("diagnostic has no source range")
			} else if tt.wantLine > 0 && d.Subject.Start.Line != tt.wantLine {
				t.Errorf("subject line = %d, want %d", d.Subject.Start.Line, tt.wantLine)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		sensitive   []cty.Path
		wantErr     string
		wantFailed  []int
		wantMsg     string
		wantChecked int64
		wantReason  string
	}{
		{
			name:    "all hold",
			src:     `conditions = [{ condition = 1 + 1 == 2, message = "math" }, { condition = true }]`,
			wantMsg: DefaultSuccessMsg, wantChecked: 2, wantReason: "all 2 conditions hold",
		},
		{
			name:    "one holds, with success_msg",
			src:     "conditions = [{ condition = true }]\nsuccess_msg = \"ready\"",
			wantMsg: "ready", wantChecked: 1, wantReason: "the condition holds",
		},
		{
			name:       "one false",
			src:        `conditions = [{ condition = true, message = "a" }, { condition = false, message = "set var.release" }]`,
			wantErr:    "assertion failed: conditions[1]: set var.release",
			wantFailed: []int{1},
		},
		{
			name:       "several false, one without message",
			src:        `conditions = [{ condition = false, message = "db down" }, { condition = true }, { condition = false }]`,
			wantErr:    "2 of 3 assertions failed: conditions[0]: db down; conditions[2]: condition is false",
			wantFailed: []int{0, 2},
		},
		{
			name:       "for expression",
			src:        `conditions = [for s in ["HEALTHY", "ERROR", "HEALTHY"] : { condition = s == "HEALTHY", message = "status ${s}" }]`,
			wantErr:    "assertion failed: conditions[1]: status ERROR",
			wantFailed: []int{1},
		},
		{
			name:       "sensitive message",
			src:        `conditions = [{ condition = false, message = "password is hunter2" }]`,
			sensitive:  []cty.Path{cty.GetAttrPath("conditions").IndexInt(0).GetAttr("message")},
			wantErr:    "assertion failed: conditions[0]: (sensitive)",
			wantFailed: []int{0},
		},
		{
			name:       "whole list sensitive",
			src:        `conditions = [{ condition = true }, { condition = false, message = "hunter2" }]`,
			sensitive:  []cty.Path{cty.GetAttrPath("conditions")},
			wantErr:    "assertion failed: conditions[1]: (sensitive)",
			wantFailed: []int{1},
		},
		{
			name:       "a sensitive condition does not hide the message",
			src:        `conditions = [{ condition = false, message = "token expired" }]`,
			sensitive:  []cty.Path{cty.GetAttrPath("conditions").IndexInt(0).GetAttr("condition")},
			wantErr:    "assertion failed: conditions[0]: token expired",
			wantFailed: []int{0},
		},
		{
			name:       "another element's sensitive message does not hide this one",
			src:        `conditions = [{ condition = false, message = "one" }, { condition = true, message = "hunter2" }]`,
			sensitive:  []cty.Path{cty.GetAttrPath("conditions").IndexInt(1).GetAttr("message")},
			wantErr:    "assertion failed: conditions[0]: one",
			wantFailed: []int{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			req := moduletest.Request(moduletest.Args(t, m, tt.src), nil, "")
			req.Sensitive = tt.sensitive
			p, a := moduletest.Run(t, m, req)
			if a != nil {
				t.Fatalf("Apply was called: plan %v", p.Action)
			}
			applied := m.Apply(context.Background(), &module.ApplyRequest{Request: req, Planned: p})
			if applied.Changed {
				t.Error("Apply reports a change")
			}
			if tt.wantErr != "" {
				if p.Err == nil || p.Err.Error() != tt.wantErr {
					t.Fatalf("plan error = %v, want %q", p.Err, tt.wantErr)
				}
				if strings.Contains(p.Err.Error(), "hunter2") {
					t.Errorf("error shows a sensitive message")
				}
				var e *Error
				if !errors.As(p.Err, &e) {
					t.Fatalf("error %T is not *Error", p.Err)
				}
				var idx []int
				for _, f := range e.Failed {
					idx = append(idx, f.Index)
				}
				if !equalInts(idx, tt.wantFailed) {
					t.Errorf("failed = %v, want %v", idx, tt.wantFailed)
				}
				if applied.Err == nil || applied.Err.Error() != p.Err.Error() {
					t.Errorf("Apply error = %v, want the plan's", applied.Err)
				}
				return
			}
			if p.Err != nil {
				t.Fatalf("plan error: %v", p.Err)
			}
			if p.Action != module.NoOp || p.Reason != tt.wantReason {
				t.Errorf("plan = %v %q, want no-op %q", p.Action, p.Reason, tt.wantReason)
			}
			if got := p.Outputs.GetAttr("msg").AsString(); got != tt.wantMsg {
				t.Errorf("msg = %q, want %q", got, tt.wantMsg)
			}
			if got, _ := p.Outputs.GetAttr("checked").AsBigFloat().Int64(); got != tt.wantChecked {
				t.Errorf("checked = %d, want %d", got, tt.wantChecked)
			}
			if !p.Outputs.Type().Equals(Outputs) {
				t.Errorf("outputs type %#v", p.Outputs.Type())
			}
			if applied.Err != nil || !applied.Outputs.RawEquals(p.Outputs) {
				t.Errorf("Apply = %+v, want the plan's outputs", applied)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestUnknownAtDecode checks that validation lets unknown parts through (the
// engine decodes in check mode with unknowns) but still catches what is
// already wrong.
func TestUnknownAtDecode(t *testing.T) {
	obj := func(c, m cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"condition": c, "message": m})
	}
	tests := []struct {
		name    string
		v       cty.Value
		wantErr string
	}{
		{name: "unknown list", v: cty.UnknownVal(cty.List(cty.DynamicPseudoType))},
		{name: "unknown everything", v: cty.DynamicVal},
		{name: "unknown condition", v: cty.TupleVal([]cty.Value{obj(cty.UnknownVal(cty.Bool), cty.StringVal("m"))})},
		{name: "unknown element", v: cty.TupleVal([]cty.Value{cty.DynamicVal})},
		{name: "marked", v: cty.TupleVal([]cty.Value{obj(cty.True, cty.StringVal("m").Mark("sensitive"))})},
		{name: "known bad next to unknown", v: cty.TupleVal([]cty.Value{obj(cty.UnknownVal(cty.Bool), cty.NumberIntVal(1))}), wantErr: "conditions[0].message must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := tt.v.UnmarkDeep() // as the engine gives it to the rules
			errs := conditionsRule.Check(cty.ObjectVal(map[string]cty.Value{"conditions": v}))
			if tt.wantErr == "" {
				if len(errs) > 0 {
					t.Errorf("unexpected: %s", errs[0])
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.wantErr) {
				t.Errorf("errors = %v, want %q", errs, tt.wantErr)
			}
		})
	}
	// Plan, which only ever sees known values, refuses unknowns plainly.
	req := moduletest.Request(cty.ObjectVal(map[string]cty.Value{
		"conditions":  cty.TupleVal([]cty.Value{obj(cty.UnknownVal(cty.Bool), cty.StringVal("m"))}),
		"success_msg": cty.NullVal(cty.String),
	}), nil, "")
	if p := New().Plan(context.Background(), &module.PlanRequest{Request: req}); p.Err == nil || !strings.Contains(p.Err.Error(), "not known yet") {
		t.Errorf("plan of unknown condition: err = %v", p.Err)
	}
}

func TestSchemaDoc(t *testing.T) {
	s := New().Schema()
	if s.Summary == "" || !strings.HasPrefix(s.Doc, "# assert\n") {
		t.Error("schema lacks a summary or doc")
	}
	f, diags := hclsyntax.ParseConfig([]byte(s.Example), "example.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("example: %s", diags.Error())
	}
	found := 0
	for _, task := range f.Body.(*hclsyntax.Body).Blocks {
		for _, b := range task.Body.Blocks {
			if b.Type == Name {
				found++
				if _, diags := b.Body.Content(hcldec.ImpliedSchema(s.Args)); diags.HasErrors() {
					t.Errorf("example block at %s: %s", b.DefRange(), diags.Error())
				}
			}
		}
	}
	if found == 0 {
		t.Error("example has no assert block")
	}
}
