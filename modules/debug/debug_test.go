package debug

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

func TestPlanPrintsAndChangesNothing(t *testing.T) {
	for _, tt := range []struct {
		msg       cty.Value
		sensitive bool
		want      string
	}{
		{cty.StringVal("hello\nworld"), false, "hello\nworld"},
		{cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.ListVal([]cty.Value{cty.StringVal("x")})}), false, `{"a":1,"b":["x"]}`},
		{cty.NullVal(cty.String), false, "null"},
		{cty.StringVal("hunter2"), true, "(sensitive)"},
	} {
		var lines []string
		req := module.Request{Args: cty.ObjectVal(map[string]cty.Value{"msg": tt.msg}), Output: func(_, l string) { lines = append(lines, l) }}
		if tt.sensitive {
			req.Sensitive = []cty.Path{cty.GetAttrPath("msg")}
		}
		p := New().Plan(context.Background(), &module.PlanRequest{Request: req})
		if p.Err != nil || p.Action != module.NoOp {
			t.Fatalf("%#v: plan %v %v", tt.msg, p.Action, p.Err)
		}
		if p.Reason != tt.want || strings.Join(lines, "\n") != tt.want || p.Outputs.GetAttr("msg").AsString() != tt.want {
			t.Errorf("%#v: reason %q, output %q, msg %#v; want %q", tt.msg, p.Reason, lines, p.Outputs, tt.want)
		}
	}
}

func TestExample(t *testing.T) { fdtest.CheckExample(t, New(), Name) }
