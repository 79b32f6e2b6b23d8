package core

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genInventory writes an HCL inventory of n hosts in 10 groups of various
// sizes: host i is in group gk when i is a multiple of k+1, so g0 has every
// host, g1 half of them, ... g9 a tenth.
func genInventory(n int) string {
	var b strings.Builder
	for k := 0; k < 10; k++ {
		fmt.Fprintf(&b, "group \"g%d\" {\n  vars = { tier = \"t%d\" }\n}\n\n", k, k)
	}
	for i := 0; i < n; i++ {
		var groups []string
		for k := 0; k < 10; k++ {
			if i%(k+1) == 0 {
				groups = append(groups, fmt.Sprintf("%q", fmt.Sprintf("g%d", k)))
			}
		}
		fmt.Fprintf(&b, "host \"h%03d\" {\n  address = \"127.0.%d.%d\"\n  groups  = [%s]\n  vars    = { index = %d }\n}\n\n",
			i, i/250, i%250+1, strings.Join(groups, ", "), i)
	}
	return b.String()
}

// genRunbook writes a runbook of n tasks: each refers to the previous
// task's outputs and every fifth to one more earlier task; some use
// depends_on, for_each, when and notify (20 handlers); tasks run on every
// host, on groups of various sizes, or once on the control node.
func genRunbook(n int) string {
	var b strings.Builder
	b.WriteString(`variable "release" {
  type    = string
  default = "victoria"
}

locals {
  prefix = "upgrade-${var.release}"
}

`)
	const handlers = 20
	for h := 0; h < handlers; h++ {
		fmt.Fprintf(&b, "handler \"h%d\" {\n  hosts = group.g%d\n  command {\n    argv = [\"systemctl\", \"restart\", \"unit%d\"]\n  }\n}\n\n", h, h%10, h)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "task \"t%d\" {\n", i)
		switch {
		case i%13 == 0:
			// control node
		case i%7 == 0:
			b.WriteString("  hosts = \"all\"\n")
		default:
			fmt.Fprintf(&b, "  hosts = group.g%d\n", i%10)
		}
		if i > 3 && i%4 == 0 {
			fmt.Fprintf(&b, "  depends_on = [task.t%d]\n", i-3)
		}
		if i > 0 && i%5 == 0 {
			fmt.Fprintf(&b, "  when = task.t%d.outputs.rc == 0\n", i-1)
		}
		if i%10 == 3 {
			fmt.Fprintf(&b, "  notify = [handler.h%d]\n", (i/10)%handlers)
		}
		forEach := i%9 == 4
		if forEach {
			b.WriteString("  for_each = toset([\"a\", \"b\", \"c\"])\n")
		}
		b.WriteString("  command {\n    argv = [\"run\", local.prefix")
		if i > 0 {
			fmt.Fprintf(&b, ", task.t%d.outputs.stdout", i-1)
		}
		if i > 5 && i%5 == 1 {
			fmt.Fprintf(&b, ", tostring(task.t%d.outputs.rc)", i-5)
		}
		if forEach {
			b.WriteString(", each.key")
		}
		b.WriteString("]\n")
		if i%3 == 0 {
			fmt.Fprintf(&b, "    creates = \"/var/lib/runbook/t%d.done\"\n", i)
		}
		b.WriteString("  }\n}\n\n")
	}
	return b.String()
}

// benchFiles writes the generated 1,000-task runbook and 100-host
// inventory and returns their paths.
func benchFiles(b *testing.B) (runbook, inv string) {
	b.Helper()
	dir := b.TempDir()
	runbook = filepath.Join(dir, "main.hcl")
	inv = filepath.Join(dir, "inventory.hcl")
	if err := os.WriteFile(runbook, []byte(genRunbook(1000)), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(inv, []byte(genInventory(100)), 0o600); err != nil {
		b.Fatal(err)
	}
	return runbook, inv
}

// BenchmarkLoadValidatePlan1000x100 measures what happens before the first
// host is touched, for a large runbook: parsing 1,000 tasks and a 100-host
// inventory, validating every reference and module body, and building the
// instance graph.
func BenchmarkLoadValidatePlan1000x100(b *testing.B) {
	rb, inv := benchFiles(b)
	reg := stubRegistry()
	b.ReportAllocs()
	var instances, edges int
	for b.Loop() {
		loaded, diags := Load(LoadOptions{Dir: rb, Inventory: []string{inv}, Registry: reg})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		p, diags := loaded.Prepare(Options{Check: true})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		instances, edges = p.Instances(), p.g.EdgeCount()
	}
	b.ReportMetric(float64(instances), "instances")
	b.ReportMetric(float64(edges), "edges")
}

// BenchmarkLoad1000x100 is the first half: parsing and validation.
func BenchmarkLoad1000x100(b *testing.B) {
	rb, inv := benchFiles(b)
	reg := stubRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Load(LoadOptions{Dir: rb, Inventory: []string{inv}, Registry: reg}); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}

// BenchmarkPrepare1000x100 is the second half: variables, host selection
// and the instance graph.
func BenchmarkPrepare1000x100(b *testing.B) {
	rb, inv := benchFiles(b)
	loaded, diags := Load(LoadOptions{Dir: rb, Inventory: []string{inv}, Registry: stubRegistry()})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := loaded.Prepare(Options{Check: true}); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}
