package troveinstance_test

import (
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/modules/internal/openstack/openstacktest"
	troveinstance "github.com/runbook-dev/runbook/modules/trove_instance"
)

func named(tr *openstacktest.Trove, name string) []*openstacktest.FakeInstance {
	var out []*openstacktest.FakeInstance
	for _, i := range tr.Instances {
		if i.Name == name {
			out = append(out, i)
		}
	}
	return out
}

// Trove's first-reservation race: 500 before anything was recorded. The
// module looks, finds nothing, creates again: one instance.
func TestCreate500BeforeRecordRetriesOnce(t *testing.T) {
	defer troveinstance.SetCreateBackoff(time.Millisecond)()
	_, tr, m := fake(t)
	tr.CreateFaults = []openstacktest.CreateFault{{Status: 500}}
	r := req(t, m, createSrc)
	var lines []string
	r.Output = func(_, l string) { lines = append(lines, l) }
	p, a := moduletest.Run(t, m, r)
	if p.Action != module.Change || a == nil || a.Err != nil {
		t.Fatalf("plan %v, apply %+v", p.Action, a)
	}
	if n := len(tr.CallsOf("POST instances")); n != 2 {
		t.Errorf("%d creates, want 2", n)
	}
	if got := named(tr, "db1"); len(got) != 1 {
		t.Fatalf("%d instances named db1", len(got))
	}
	if a.Outputs.GetAttr("operating_status").AsString() != "HEALTHY" {
		t.Errorf("outputs %#v", a.Outputs)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "no instance of that name exists: creating again") {
		t.Errorf("progress does not say why it created again: %q", lines)
	}
}

// 500 after Trove recorded the instance: no second create, the recorded
// one is adopted and waited for.
func TestCreate500AfterRecordAdoptsTheInstance(t *testing.T) {
	defer troveinstance.SetCreateBackoff(time.Millisecond)()
	_, tr, m := fake(t)
	tr.CreateFaults = []openstacktest.CreateFault{{Status: 500, Recorded: true}}
	r := req(t, m, createSrc)
	var lines []string
	r.Output = func(_, l string) { lines = append(lines, l) }
	_, a := moduletest.Run(t, m, r)
	if a == nil || a.Err != nil || !a.Changed {
		t.Fatalf("apply %+v", a)
	}
	if n := len(tr.CallsOf("POST instances")); n != 1 {
		t.Errorf("%d creates, want 1 (a retry would make a duplicate)", n)
	}
	got := named(tr, "db1")
	if len(got) != 1 || a.Outputs.GetAttr("id").AsString() != got[0].ID {
		t.Fatalf("instances %v, outputs %#v", got, a.Outputs)
	}
	if a.Outputs.GetAttr("operating_status").AsString() != "HEALTHY" {
		t.Errorf("not waited for: %#v", a.Outputs)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "was created after all") {
		t.Errorf("progress: %q", lines)
	}
}

// A Trove that keeps failing: bounded attempts, every answer reported, no
// instance.
func TestCreate500EveryTimeGivesUp(t *testing.T) {
	defer troveinstance.SetCreateBackoff(time.Millisecond)()
	_, tr, m := fake(t)
	tr.CreateFaults = []openstacktest.CreateFault{{Status: 500}, {Status: 503}, {Status: 500}, {Status: 500}}
	_, a := moduletest.Run(t, m, req(t, m, createSrc))
	if a == nil || a.Err == nil {
		t.Fatal("no error")
	}
	msg := a.Err.Error()
	for _, want := range []string{"500", "503", "3 attempts", `no instance "db1" exists`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "pw-never-shown") {
		t.Errorf("error shows the password: %s", msg)
	}
	if n := len(tr.CallsOf("POST instances")); n != 3 {
		t.Errorf("%d creates, want 3", n)
	}
	if len(tr.Instances) != 0 {
		t.Errorf("instances left: %v", tr.Instances)
	}
}

// A 4xx is Trove refusing: no look-up, no second create.
func TestCreate4xxIsNotRetried(t *testing.T) {
	_, tr, m := fake(t)
	tr.CreateFaults = []openstacktest.CreateFault{{Status: 413}}
	_, a := moduletest.Run(t, m, req(t, m, createSrc))
	if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "413") {
		t.Fatalf("apply %+v", a)
	}
	if n := len(tr.CallsOf("POST instances")); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
	for i, c := range tr.Calls {
		if c == "POST instances" && i != len(tr.Calls)-1 {
			t.Errorf("calls after the refused create: %v", tr.Calls[i+1:])
		}
	}
}
