package core

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/transport"
)

// BenchmarkRun measures the engine's own work on a run, with no SSH: the
// hosts are the in-memory recording transport, the tasks the step module
// (a plan, and an apply that runs one command). It is the client CPU of
// `runbook run` minus SSH and the CLI's output: loading, preparing, the
// walk, evaluation scopes, redaction, events and the journal's checks.
// hosts x tasks as in make bench's (a) and (c): tasks chained with
// depends_on and each reading the previous task's outputs.
func BenchmarkRun(b *testing.B) {
	for _, c := range []struct{ hosts, tasks int }{{20, 20}, {300, 5}} {
		b.Run(fmt.Sprintf("%dx%d", c.hosts, c.tasks), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "runbook")
			if err := os.Mkdir(dir, 0o700); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(genChain(c.tasks)), 0o600); err != nil {
				b.Fatal(err)
			}
			inv := filepath.Join(filepath.Dir(dir), "inventory.hcl")
			if err := os.WriteFile(inv, []byte(genLocalInventory(c.hosts)), 0o600); err != nil {
				b.Fatal(err)
			}
			loaded, diags := Load(LoadOptions{Dir: dir, Inventory: []string{inv}, Registry: walkRegistry()})
			if diags.HasErrors() {
				b.Fatal(diags.Error())
			}
			b.ReportAllocs()
			for b.Loop() {
				p, diags := loaded.Prepare(Options{})
				if diags.HasErrors() {
					b.Fatal(diags.Error())
				}
				res := p.Run(context.Background(), RunOptions{
					Sink:    event.SinkFunc(func(event.Event) {}),
					Dialers: map[string]transport.Dialer{"local": newRecTransport()},
					Journal: &recJournal{},
				})
				if res.ExitCode != 2 {
					b.Fatalf("exit code %d, want 2 (changed)", res.ExitCode)
				}
			}
		})
	}
}

// genChain is a runbook of n step tasks, each depending on the one before
// and reading its outputs, with a variable and a local in every scope.
func genChain(n int) string {
	var b strings.Builder
	b.WriteString("variable \"release\" {\n  default = \"victoria\"\n}\n\nlocals {\n  prefix = \"upgrade-${var.release}\"\n}\n\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "task \"t%02d\" {\n  hosts = group.bench\n  step {\n    name = \"t%02d\"\n", i, i)
		if i > 1 {
			fmt.Fprintf(&b, "    value = \"${local.prefix}-${task.t%02d.outputs.value}\"\n  }\n  depends_on = [task.t%02d]\n}\n", i-1, i-1)
		} else {
			b.WriteString("    value = local.prefix\n  }\n}\n")
		}
	}
	return b.String()
}

// genLocalInventory is n hosts of the recording transport in one group,
// each with a few variables.
func genLocalInventory(n int) string {
	var b strings.Builder
	b.WriteString("defaults {\n  transport = \"local\"\n}\ngroup \"bench\" {\n  vars = { tier = \"db\", zone = \"z1\" }\n}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "host \"h%04d\" {\n  groups = [\"bench\"]\n  vars = { index = %d, role = \"r%d\" }\n}\n", i, i, i%3)
	}
	return b.String()
}
