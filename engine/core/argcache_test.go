package core

import "testing"

// A module block that refers to nothing and calls no function is decoded
// once per task; any other is decoded per instance. The task reading
// host.name is the negative control: were its block taken for a constant,
// every host would get the first instance's value.
func TestConstantModuleBlock(t *testing.T) {
	p := prepareWalk(t, `
variable "v" {
  default = "from-var"
}
task "const" {
  hosts = group.web
  step {
    name  = "c"
    value = "same-${"for"}-all"
  }
}
task "ref" {
  hosts = group.web
  step {
    name  = "r"
    value = host.name
  }
}
task "fn" {
  hosts = group.web
  step {
    name  = "f"
    value = upper("y")
  }
}
task "var" {
  hosts = group.web
  step {
    name  = "v"
    value = var.v
  }
}
`, "", Options{})
	for addr, want := range map[string]bool{"task.const": true, "task.ref": false, "task.fn": false, "task.var": false} {
		if got := p.l.an.tasks[addr].constBody; got != want {
			t.Errorf("%s: constBody %v, want %v", addr, got, want)
		}
	}
	w := runPrepared(t, p, nil)
	if w.res.ExitCode != 2 {
		t.Fatalf("exit %d, want 2:\n%s", w.res.ExitCode, w.dump())
	}
	got := map[string]string{}
	for _, e := range w.journal.entries {
		got[e.task+"@"+e.host] = e.outputs.GetAttr("value").AsString()
	}
	for _, h := range []string{"h1", "h2", "h3"} {
		for task, want := range map[string]string{"task.const": "same-for-all", "task.ref": h, "task.fn": "Y", "task.var": "from-var"} {
			if v := got[task+"@"+h]; v != want {
				t.Errorf("%s on %s: value %q, want %q", task, h, v, want)
			}
		}
	}
}
