package moduletest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/runbook-dev/runbook/engine/module"
)

// Converge is the conformance check of a module.Converger (the contract in
// engine/module/converge.go), on a real host: reset puts the host in the
// state before the task (it is called before each side), then Plan and
// Apply run as a run would, then Converge on the same state, and they
// must agree: the same error or none, the same action (NoOp with the same
// reason and outputs, or a change with the same Changed, diff and
// outputs), and a second Converge must find nothing to do wherever a plan
// after the change finds nothing. Output values matching a pattern of
// vary (a time, a process id) are compared as "*". It returns Converge's
// first response.
func Converge(t testing.TB, m module.Module, req module.Request, reset func(), vary ...*regexp.Regexp) *module.ConvergeResponse {
	t.Helper()
	cv, ok := m.(module.Converger)
	if !ok {
		t.Fatalf("%T does not implement module.Converger", m)
	}
	ctx := context.Background()
	reset()
	p, a := Run(t, m, req)
	reset()
	c := cv.Converge(ctx, &module.ConvergeRequest{Request: req})
	if c == nil {
		t.Fatal("Converge returned nil")
	}
	switch {
	case p.Err != nil:
		if c.Err == nil || firstLine(c.Err.Error()) != firstLine(p.Err.Error()) {
			t.Errorf("plan failed with %q; Converge: %v", p.Err, c.Err)
		}
		return c
	case p.Action == module.NoOp:
		if c.Action != module.NoOp || c.Err != nil || c.Reason != p.Reason {
			t.Errorf("plan: nothing to do (%q); Converge: %v %q err %v", p.Reason, c.Action, c.Reason, c.Err)
		}
		if got, want := masked(c.Outputs, vary), masked(p.Outputs, vary); got != want {
			t.Errorf("outputs of a NoOp: Converge %s, plan %s", got, want)
		}
		return c
	}
	if c.Action != module.Change {
		t.Errorf("plan: %v (%q); Converge: %v %q", p.Action, p.Reason, c.Action, c.Reason)
		return c
	}
	if (a.Err == nil) != (c.Err == nil) || a.Err != nil && firstLine(a.Err.Error()) != firstLine(c.Err.Error()) {
		t.Errorf("apply: error %v; Converge: error %v", a.Err, c.Err)
	}
	if a.Changed != c.Changed {
		t.Errorf("apply: changed %v; Converge: changed %v", a.Changed, c.Changed)
	}
	wantDiff := p.Diff
	if a.Diff != nil {
		wantDiff = a.Diff
	}
	if got, want := diffText(c.Diff, vary), diffText(wantDiff, vary); got != want {
		t.Errorf("diff: Converge\n%s\nplan and apply\n%s", got, want)
	}
	if a.Err == nil {
		if got, want := masked(c.Outputs, vary), masked(a.Outputs, vary); got != want {
			t.Errorf("outputs: Converge %s, apply %s", got, want)
		}
	}
	if c.Err != nil {
		return c
	}
	// The host is now as asked: a plan says so, and so must Converge.
	p2 := Plan(t, m, req)
	if p2.Err == nil && p2.Action == module.NoOp {
		c2 := cv.Converge(ctx, &module.ConvergeRequest{Request: req})
		switch {
		case c2 == nil:
			t.Error("Converge returned nil")
		case c2.Action != module.NoOp || c2.Err != nil || c2.Reason != p2.Reason:
			t.Errorf("after the change, plan: nothing to do (%q); Converge again: %v %q changed %v err %v",
				p2.Reason, c2.Action, c2.Reason, c2.Changed, c2.Err)
		}
	}
	return c
}

func masked(v cty.Value, vary []*regexp.Regexp) string {
	if v == cty.NilVal || v.IsNull() {
		return "null"
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return maskString(string(b), vary)
}

func maskString(s string, vary []*regexp.Regexp) string {
	for _, re := range vary {
		s = re.ReplaceAllString(s, "*")
	}
	return s
}

func diffText(d *module.Diff, vary []*regexp.Regexp) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	for _, it := range d.Items {
		fmt.Fprintf(&b, "%s: %q%v -> %q%v sensitive=%v\n%s", it.Name, it.Before, it.BeforeAbsent, it.After, it.AfterAbsent, it.Sensitive, it.Unified)
	}
	return maskString(b.String(), vary)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
