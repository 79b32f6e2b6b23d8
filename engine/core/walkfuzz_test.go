package core

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/transport"
)

// The property test of the walk: Go fuzzing over generated runbooks and
// inventories (tasks, references, serial, for_each, blocks with rescue
// and always, handlers, run_once, delegate_to, any_errors_fatal,
// ignore_errors, sensitive, failures injected through the step module, an
// unreachable host), each loaded, prepared and run (or checked) on the
// recording transport. Whatever is generated: no panic, no hang, every
// instance ran at most once and reported once (a skip with its reason),
// and the exit code agrees with the recap. The seed corpus runs in
// `make test`; `go test -fuzz FuzzWalk ./engine/core` explores further.

// gen reads choices from the fuzzer's bytes (zero when they run out).
type gen struct {
	b []byte
	i int
}

func (g *gen) intn(n int) int {
	if n <= 1 {
		return 0
	}
	if g.i >= len(g.b) {
		return 0
	}
	v := int(g.b[g.i])
	g.i++
	return v % n
}

func (g *gen) chance(pct int) bool { return g.intn(100) < pct }

func (g *gen) pick(options ...string) string { return options[g.intn(len(options))] }

// genCase is one generated runbook, inventory and way to run it.
type genCase struct {
	runbook, inventory string
	hosts              []string
	unreachable        []string
	check              bool
}

const fuzzSecret = "fz-s3cr3t-9c1"

func generate(data []byte) genCase {
	g := &gen{b: data}
	c := genCase{check: g.chance(30)}
	nHosts := 1 + g.intn(4)
	var inv strings.Builder
	inv.WriteString("defaults {\n  transport = \"local\"\n}\ngroup \"web\" {}\ngroup \"db\" {}\n")
	for i := 1; i <= nHosts; i++ {
		h := fmt.Sprintf("h%d", i)
		c.hosts = append(c.hosts, h)
		groups := `["web"]`
		if i%2 == 0 {
			groups = `["web", "db"]`
		}
		fmt.Fprintf(&inv, "host %q {\n  groups = %s\n}\n", h, groups)
	}
	if g.chance(15) {
		c.unreachable = []string{c.hosts[g.intn(len(c.hosts))]}
	}
	c.inventory = inv.String()

	var rb strings.Builder
	fmt.Fprintf(&rb, "variable \"token\" {\n  type      = string\n  sensitive = true\n  default   = %q\n}\n", fuzzSecret)
	if g.chance(35) {
		rb.WriteString("runbook {\n")
		fmt.Fprintf(&rb, "  serial = %s\n", g.pick("1", "2", `"50%"`, `[1, "100%"]`))
		if g.chance(40) {
			fmt.Fprintf(&rb, "  max_fail_percentage = %s\n", g.pick("0", "50", "100"))
		}
		if g.chance(25) {
			rb.WriteString("  any_errors_fatal = true\n")
		}
		rb.WriteString("}\n")
	}
	nHandlers := g.intn(3)
	for i := 0; i < nHandlers; i++ {
		fmt.Fprintf(&rb, "handler \"hd%d\" {\n  hosts = %s\n  step {\n    name = \"hd%d\"\n    fail_on = %s\n  }\n}\n",
			i, g.pick(`"web"`, `["h1"]`, `"all"`), i, failOn(g, c.hosts))
	}

	type taskRef struct {
		name    string
		forEach bool
	}
	var tasks []taskRef
	nTasks := 1 + g.intn(8)
	for i := 0; i < nTasks; {
		if g.chance(20) && nTasks-i >= 2 {
			// A block: tasks, then rescue and always.
			fmt.Fprintf(&rb, "block {\n  hosts = %s\n", g.pick(`"web"`, `["h1"]`, `"all"`))
			for _, section := range []string{"", "rescue", "always"} {
				if section != "" && !g.chance(60) {
					continue
				}
				if section != "" {
					fmt.Fprintf(&rb, "  %s {\n", section)
				}
				n := 1 + g.intn(2)
				for k := 0; k < n && i < nTasks; k++ {
					name := fmt.Sprintf("t%d", i)
					refs := make([]string, len(tasks))
					for j, t := range tasks {
						refs[j] = t.name
					}
					rb.WriteString(taskBlock(g, name, refs, c.hosts, nHandlers, false, true))
					tasks = append(tasks, taskRef{name: name})
					i++
				}
				if section != "" {
					rb.WriteString("  }\n")
				}
			}
			rb.WriteString("}\n")
			continue
		}
		name := fmt.Sprintf("t%d", i)
		forEach := g.chance(20)
		var refs []string
		for _, t := range tasks {
			if !t.forEach {
				refs = append(refs, t.name)
			}
		}
		rb.WriteString(taskBlock(g, name, refs, c.hosts, nHandlers, forEach, false))
		tasks = append(tasks, taskRef{name: name, forEach: forEach})
		i++
	}
	c.runbook = rb.String()
	return c
}

func failOn(g *gen, hosts []string) string {
	var out []string
	for _, h := range append(append([]string(nil), hosts...), "localhost") {
		if g.chance(15) {
			out = append(out, fmt.Sprintf("%q", h))
		}
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// taskBlock writes one task; refs are earlier tasks it may refer to.
func taskBlock(g *gen, name string, refs, hosts []string, handlers int, forEach, inBlock bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %q {\n", name)
	if !inBlock || g.chance(20) {
		if h := g.pick("", `"web"`, `"db"`, `["h1"]`, `"all"`, `["localhost", "h1"]`); h != "" {
			fmt.Fprintf(&b, "  hosts = %s\n", h)
		}
	}
	nameExpr := fmt.Sprintf("%q", name)
	if forEach {
		fmt.Fprintf(&b, "  for_each = %s\n", g.pick(`{ a = "1", b = "2" }`, `toset(["x", "y", "z"])`, `["x", "x"]`, `{}`, `{ k = var.token }`))
		nameExpr = fmt.Sprintf("\"%s-${each.key}\"", name)
		if g.chance(25) {
			fmt.Fprintf(&b, "  serial = %s\n", g.pick("1", `"50%"`))
		}
	} else if g.chance(15) {
		fmt.Fprintf(&b, "  serial = %s\n", g.pick("1", `"50%"`, "1e20"))
	}
	if len(refs) > 0 && g.chance(50) {
		r := refs[g.intn(len(refs))]
		fmt.Fprintf(&b, "  depends_on = [task.%s]\n", r)
	}
	if g.chance(15) {
		w := g.pick("true", "false")
		if len(refs) > 0 && g.chance(50) {
			w = fmt.Sprintf("!task.%s.changed", refs[g.intn(len(refs))])
		}
		fmt.Fprintf(&b, "  when = %s\n", w)
	}
	if g.chance(10) {
		b.WriteString("  run_once = true\n")
	}
	if g.chance(10) {
		fmt.Fprintf(&b, "  delegate_to = %q\n", g.pick(append(append([]string(nil), hosts...), "localhost")...))
	}
	if g.chance(10) {
		b.WriteString("  any_errors_fatal = true\n")
	}
	if g.chance(10) {
		b.WriteString("  ignore_errors = true\n")
	}
	if g.chance(10) {
		b.WriteString("  sensitive = true\n")
	}
	if handlers > 0 && g.chance(30) {
		fmt.Fprintf(&b, "  notify = [handler.hd%d]\n", g.intn(handlers))
	}
	b.WriteString("  step {\n")
	fmt.Fprintf(&b, "    name = %s\n", nameExpr)
	value := `"v"`
	if len(refs) > 0 && g.chance(60) {
		r := refs[g.intn(len(refs))]
		value = g.pick(
			fmt.Sprintf("task.%s.outputs.value", r),
			fmt.Sprintf("try(task.%s.outputs.value, \"none\")", r),
			fmt.Sprintf("join(\",\", keys(task.%s.hosts))", r),
			fmt.Sprintf("join(\",\", [for h, x in task.%s.hosts : \"${h}=${x.status}\"])", r),
		)
	} else if g.chance(10) {
		value = "var.token"
	}
	fmt.Fprintf(&b, "    value = %s\n", value)
	fmt.Fprintf(&b, "    fail_on = %s\n", failOn(g, hosts))
	if g.chance(5) {
		fmt.Fprintf(&b, "    fail_plan_on = %s\n", failOn(g, hosts))
	}
	if g.chance(15) {
		b.WriteString("    changed = false\n")
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// FuzzWalk checks the walk's properties on generated runbooks.
func FuzzWalk(f *testing.F) {
	for i := int64(0); i < 60; i++ {
		r := rand.New(rand.NewSource(i))
		seed := make([]byte, 64+r.Intn(192))
		r.Read(seed)
		f.Add(seed)
	}
	f.Add([]byte{})
	base := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		dir := filepath.Join(base, fmt.Sprint(n%8)) // a few folders: functions are cached per folder
		checkWalk(t, dir, generate(data))
	})
}

func checkWalk(t *testing.T, dir string, c genCase) {
	t.Helper()
	rbDir := filepath.Join(dir, "runbook")
	if err := os.MkdirAll(rbDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rbDir, "main.hcl"), []byte(c.runbook), 0o600); err != nil {
		t.Fatal(err)
	}
	invPath := filepath.Join(dir, "inventory.hcl")
	if err := os.WriteFile(invPath, []byte(c.inventory), 0o600); err != nil {
		t.Fatal(err)
	}
	show := func() string { return "runbook:\n" + c.runbook + "\ninventory:\n" + c.inventory }
	loaded, diags := Load(LoadOptions{Dir: rbDir, Inventory: []string{invPath}, Registry: walkRegistry()})
	if diags.HasErrors() {
		for _, d := range diags {
			if strings.Contains(d.Error(), fuzzSecret) {
				t.Errorf("a diagnostic shows the secret: %s\n%s", d.Error(), show())
			}
		}
		return
	}
	p, diags := loaded.Prepare(Options{Check: c.check, Forks: 4})
	if diags.HasErrors() {
		return
	}
	tr := newRecTransport(c.unreachable...)
	rec := &event.Recorder{}
	done := make(chan *Result, 1)
	go func() {
		done <- p.Run(context.Background(), RunOptions{Sink: rec, Dialers: map[string]transport.Dialer{"local": tr}})
	}()
	var res *Result
	select {
	case res = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the walk did not end in 30 s\n%s", show())
	}
	events := rec.Events()

	// Reports per instance (task, host) and key.
	type inst struct{ task, host string }
	reported := map[inst]map[string]int{}
	tally := map[string]map[event.Status]int{}
	finished := 0
	for _, e := range events {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), fuzzSecret) {
			t.Errorf("an event shows the secret: %s\n%s", b, show())
		}
		switch ev := e.(type) {
		case event.TaskFinished:
			k := inst{ev.Task, ev.Host}
			if reported[k] == nil {
				reported[k] = map[string]int{}
			}
			reported[k][ev.Key]++
			if tally[ev.Host] == nil {
				tally[ev.Host] = map[event.Status]int{}
			}
			tally[ev.Host][ev.Status]++
			if ev.Status == event.StatusSkipped && ev.Reason == "" {
				t.Errorf("%s on %s [%s] skipped without a reason\n%s", ev.Task, ev.Host, ev.Key, show())
			}
			if strings.Contains(ev.Reason, "internal error") {
				t.Errorf("%s on %s: %s\n%s", ev.Task, ev.Host, ev.Reason, show())
			}
		case event.RunFinished:
			finished++
			if ev.ExitCode != res.ExitCode {
				t.Errorf("run_finished says exit %d, the result %d", ev.ExitCode, res.ExitCode)
			}
		}
	}
	if finished != 1 {
		t.Errorf("%d run_finished events", finished)
	}
	for addr, nodes := range p.nodes {
		for _, n := range nodes {
			keys := reported[inst{addr, n.host.Name}]
			delete(reported, inst{addr, n.host.Name})
			quietOK := n.task.Kind != 0 || n.task.Section == 1 // handlers, rescue tasks: not needed is not reported
			if len(keys) == 0 && !quietOK {
				t.Errorf("%s on %s: never reported (neither ran nor skipped)\n%s", addr, n.host.Name, show())
			}
			if _, keyless := keys[""]; keyless && len(keys) > 1 {
				t.Errorf("%s on %s: reported both as a whole and per item: %v\n%s", addr, n.host.Name, keys, show())
			}
			for k, times := range keys {
				if times != 1 {
					t.Errorf("%s on %s [%s]: reported %d times\n%s", addr, n.host.Name, k, times, show())
				}
			}
		}
	}
	for k := range reported {
		t.Errorf("%s on %s: reported, but the graph has no such instance\n%s", k.task, k.host, show())
	}

	// What ran: every Apply execs "step NAME" on its target; a changed
	// item applied exactly once, nothing applied in a check.
	applied := map[string]int{}
	for _, h := range append(append([]string(nil), c.hosts...), "localhost") {
		for _, cmd := range tr.commands(h) {
			applied[strings.TrimPrefix(cmd, "step ")]++
		}
	}
	changedItems := 0
	for _, e := range events {
		if ev, ok := e.(event.TaskFinished); ok && ev.Status == event.StatusChanged {
			changedItems++
		}
	}
	total := 0
	for _, n := range applied {
		total += n
	}
	if c.check && total > 0 {
		t.Errorf("a check applied %d times: %v\n%s", total, applied, show())
	}
	if !c.check && total < changedItems {
		t.Errorf("%d changed items but %d applies\n%s", changedItems, total, show())
	}

	// The exit code agrees with the recap, and the recap with the events.
	failures, changes := 0, 0
	for _, r := range res.Recap {
		failures += r.Failed + r.Unreachable
		changes += r.Changed + r.WouldChange + r.Unpredictable
		got := tally[r.Host]
		if got[event.StatusOK] != r.OK || got[event.StatusChanged] != r.Changed || got[event.StatusSkipped] != r.Skipped ||
			got[event.StatusFailed] != r.Failed+r.Rescued || got[event.StatusUnreachable] != r.Unreachable {
			t.Errorf("recap of %s %+v does not match its events %v\n%s", r.Host, r, got, show())
		}
	}
	want := 0
	switch {
	case failures > 0:
		want = 1
	case changes > 0:
		want = 2
	}
	if res.ExitCode != want {
		t.Errorf("exit %d, but the recap says %d failures and %d changes\n%s", res.ExitCode, failures, changes, show())
	}
	if res.Failures != failures || res.Changes != changes {
		t.Errorf("result counts %d failures %d changes, recap %d and %d", res.Failures, res.Changes, failures, changes)
	}
	_ = sort.Strings
}
