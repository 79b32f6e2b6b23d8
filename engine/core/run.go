package core

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/dag"
	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/lang"
	"github.com/runbook-dev/runbook/engine/transport"
)

// RunOptions connect a walk to the world.
type RunOptions struct {
	RunID string
	Sink  event.Sink
	// Stop, when done, stops new work from starting (a first Ctrl-C):
	// running instances finish, the rest is reported as not started. The
	// context given to Run cancels running work too.
	Stop    context.Context
	Dialers map[string]transport.Dialer // by Endpoint.Transport: "local", "ssh"
	// Completed, when resuming, says which task instances finished in the
	// earlier run: they are not run again, and their outputs are used. A
	// handler notified by an instance that changed then is still pending.
	Completed func(task, host string) (outputs cty.Value, changed bool, ok bool)
	// Journal records every instance that completes.
	Journal Journal
	// Step, when set, is asked before the first instance of each task
	// runs (--step): no skips the task on every host, continue stops
	// asking.
	Step func(task string) StepAnswer
	// Trace emits HostConnected and HostCommand events (-vvv).
	Trace bool
}

// Journal records completed instances for a later --resume. It never
// receives a sensitive value: outputs holding one are withheld.
type Journal interface {
	Completed(task, host, status string, changed bool, outputs cty.Value, withheld bool)
}

// NewRunID returns a new run id: sortable by time, unique.
func NewRunID() string {
	return time.Now().UTC().Format("20060102T150405") + "-" + uuid.NewString()[:8]
}

// Result is how a run ended.
type Result struct {
	RunID       string
	ExitCode    int
	Recap       []event.HostRecap
	Changes     int // changed (run) or pending (check)
	Failures    int
	Interrupted bool
}

// result is the outcome of one node.
type result struct {
	status  event.Status
	changed bool      // changed, or would change in check mode
	outputs cty.Value // object, or object of for_each keys
	quiet   bool      // not run and not worth a line (rescue not needed, handler not notified)
	// pendingUp: some instance this one waits for would change (check
	// mode), so what this one read may be stale.
	pendingUp bool
	// cause, for an instance skipped because of a failure (of its host,
	// or of an instance it needs), names that failure: the instances that
	// need this one are skipped too, saying so.
	cause string
	// rescued: it failed inside a block whose rescue then succeeded on
	// its host, so what needs it may go on.
	rescued bool
}

// failure says why the instances that need n cannot run, or "" when they
// can.
func (r *result) failure(n *node) string {
	switch {
	case r.rescued:
		return ""
	case r.status == event.StatusFailed:
		return nodeName(n) + " failed"
	case r.status == event.StatusUnreachable:
		return n.host.Name + " was unreachable"
	case r.status == event.StatusSkipped:
		return r.cause
	}
	return ""
}

type hostState struct {
	failed      bool
	unreachable bool
	failedBy    string // what failed the host (or made it unreachable), for the skips that follow
	blockFailed map[*config.Block]bool
	rescuesLeft map[*config.Block]int
	entered     map[*config.Block]bool // a task of the block ran here: its always group runs
}

type runState struct {
	p     *Prepared
	opts  RunOptions
	sink  *redactor
	check bool

	mu      sync.Mutex
	results map[*node]*result
	hosts   map[string]*hostState
	recap   map[string]*event.HostRecap
	aborted string       // why new work stopped (any_errors_fatal)
	planned plannedState // a check's facts, per target (planned.go)

	connMu sync.Mutex
	conns  map[string]*connEntry
	forks  chan struct{}
	step   *stepper // --step answers; nil without --step
	order  *resultOrder
	// nodeLocals are the locals that read task outputs, per instance.
	nodeLocals map[*node]map[string]cty.Value
	static     *runScope // what every scope shares
	constArgs  constArgs // the arguments of tasks whose module block is constant
}

// Run walks the graph: every instance is planned, and applied only where
// the plan says something changes and the run is not a check.
func (p *Prepared) Run(ctx context.Context, opts RunOptions) *Result {
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	rs := &runState{
		p: p, opts: opts, check: p.opts.Check,
		sink:       newRedactor(p.secrets, p.sensitiveTasks, opts.Sink),
		results:    map[*node]*result{},
		hosts:      map[string]*hostState{},
		recap:      map[string]*event.HostRecap{},
		conns:      map[string]*connEntry{},
		forks:      make(chan struct{}, p.opts.Forks),
		nodeLocals: map[*node]map[string]cty.Value{},
		static:     newRunScope(p, p.opts.Check),
	}
	if opts.Step != nil {
		rs.step = &stepper{ask: opts.Step, answers: map[string]bool{}}
	}
	for _, h := range p.Hosts() {
		rs.hosts[h] = &hostState{blockFailed: map[*config.Block]bool{}, rescuesLeft: map[*config.Block]int{}, entered: map[*config.Block]bool{}}
		rs.recap[h] = &event.HostRecap{Host: h}
	}
	for _, ns := range p.nodes {
		for _, n := range ns {
			if n.task.Section == config.SectionRescue {
				rs.hosts[n.host.Name].rescuesLeft[n.task.Block]++
			}
		}
	}
	start := time.Now()
	rs.sink.Emit(event.RunStarted{RunID: opts.RunID, Runbook: p.l.Runbook.Dir, Check: rs.check, Hosts: p.Hosts(), Tasks: p.g.Len(), Time: start.UTC(), Plan: p.Plan()})

	// The walk's own parallelism is not bounded: forks bounds the work
	// (planning and applying), not the waiting.
	rs.order = newResultOrder(rs.sink, p.nodes)
	missed := dag.Walk(ctx, p.g, 0, func(ctx context.Context, n *node) {
		rs.visit(ctx, n)
		rs.order.done(n)
	})
	rs.closeConns()
	internal := rs.reportMissed(missed)

	interrupted := ctx.Err() != nil || rs.stopped()
	return rs.finish(start, interrupted, internal)
}

// publicNames are the inventory's host names: never taken for secrets.
func (rs *runState) publicNames() map[string]bool {
	out := make(map[string]bool, len(rs.p.l.Inventory.Hosts))
	for name := range rs.p.l.Inventory.Hosts {
		out[name] = true
	}
	return out
}

// reportMissed reports instances the walk never reached (only a cycle in
// the graph, which Prepare rejects, can leave one): each is a failure, so
// that no run ends as if all its work was done.
func (rs *runState) reportMissed(missed []*node) string {
	count := 0
	for _, n := range missed {
		if n.barrier != nil {
			continue
		}
		count++
		rs.emitFinished(event.TaskFinished{Task: n.task.Addr(), Host: n.host.Name, Status: event.StatusFailed,
			Reason: "internal error: the walk never reached this instance (a task it waits for never finished)"})
	}
	if count == 0 {
		return ""
	}
	return fmt.Sprintf("internal error: %d task %s never started", count, plural(count, "instance", "instances"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (rs *runState) finish(start time.Time, interrupted bool, internal string) *Result {
	res := &Result{RunID: rs.opts.RunID, Interrupted: interrupted}
	names := make([]string, 0, len(rs.recap))
	for h := range rs.recap {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		r := *rs.recap[h]
		res.Recap = append(res.Recap, r)
		res.Changes += r.Changed + r.WouldChange
		res.Failures += r.Failed + r.Unreachable
		switch rs.p.opts.Unpredictable {
		case UnpredictableOK:
		case UnpredictableError:
			res.Failures += r.Unpredictable
		default:
			res.Changes += r.Unpredictable
		}
	}
	msg := internal
	switch {
	case internal != "":
		res.ExitCode = 1
	case interrupted:
		res.ExitCode = 1
		msg = "interrupted: work not started was skipped"
	case res.Failures > 0:
		res.ExitCode = 1
	case res.Changes > 0:
		res.ExitCode = 2
	}
	rs.order.flush()
	rs.sink.Emit(event.RunFinished{RunID: res.RunID, Check: rs.check, Recap: res.Recap, ExitCode: res.ExitCode, Duration: time.Since(start), Error: msg})
	return res
}

// emitFinished records a finished instance in the recap and emits it.
func (rs *runState) emitFinished(ev event.TaskFinished) {
	rs.mu.Lock()
	r := rs.recap[ev.Host]
	if r == nil {
		r = &event.HostRecap{Host: ev.Host}
		rs.recap[ev.Host] = r
	}
	switch ev.Status {
	case event.StatusOK:
		r.OK++
	case event.StatusChanged:
		r.Changed++
	case event.StatusWouldChange:
		r.WouldChange++
	case event.StatusUnpredictable:
		r.Unpredictable++
	case event.StatusFailed:
		r.Failed++
	case event.StatusUnreachable:
		r.Unreachable++
	case event.StatusSkipped:
		r.Skipped++
	case event.StatusIgnored:
		r.Ignored++
	}
	rs.mu.Unlock()
	rs.order.emit(ev)
}

func (rs *runState) setResult(n *node, r *result) {
	if rs.check && !r.pendingUp && n.barrier == nil {
		r.pendingUp = rs.pendingUpstream(n)
	}
	rs.mu.Lock()
	rs.results[n] = r
	rs.mu.Unlock()
}

func (rs *runState) resultOf(n *node) *result {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.results[n]
}

// skip records a node that did not run. Quiet skips emit nothing. A
// cause (a failure) is passed on to what needs n.
func (rs *runState) skip(n *node, reason, cause string, quiet bool) {
	rs.setResult(n, &result{status: event.StatusSkipped, outputs: cty.NullVal(rs.p.l.an.outputsType(n.task)), quiet: quiet, cause: cause})
	if !quiet {
		rs.emitFinished(event.TaskFinished{Task: n.task.Addr(), Host: n.host.Name, Status: event.StatusSkipped, Reason: reason})
	}
}

// visit decides whether a node runs, runs it, and records what happened
// to its host: a failure drops the host out of later work, inside a block
// with rescue it sends the host to the rescue tasks instead.
func (rs *runState) visit(ctx context.Context, n *node) {
	if n.barrier != nil {
		if n.barrier.join == "" {
			rs.batchDone(n.barrier)
		}
		return
	}
	t := n.task
	if n.filtered && !n.pulled {
		rs.skip(n, "not selected by --tags", "", true)
		return
	}
	if ctx.Err() != nil || rs.stopped() {
		rs.skip(n, "interrupted before it started", "", false)
		return
	}
	if reason, cause := rs.blocked(n); reason != "" {
		rs.skip(n, reason, cause, reason == quietSkip)
		return
	}
	if t.Kind == config.KindHandler && !rs.notified(n) {
		rs.skip(n, "not notified", "", true)
		return
	}
	if reason := rs.taskMaxFail(n); reason != "" {
		rs.skip(n, reason, reason, false)
		return
	}
	if reason, cause := rs.upstreamFailure(n); reason != "" {
		rs.skip(n, reason, cause, false)
		return
	}
	if rs.opts.Completed != nil {
		if out, changed, ok := rs.opts.Completed(t.Addr(), n.host.Name); ok {
			st := event.StatusOK
			if changed {
				st = event.StatusChanged
			}
			rs.setResult(n, &result{status: st, changed: changed, outputs: out})
			rs.emitFinished(event.TaskFinished{Task: t.Addr(), Host: n.host.Name, Status: event.StatusSkipped, Reason: "completed in the resumed run"})
			return
		}
	}

	if rs.step != nil && !rs.step.run(t.Addr()) {
		rs.skip(n, "skipped at the --step prompt", "", false)
		return
	}
	r := rs.runNode(ctx, n)
	if rs.p.sensitiveTasks[t.Addr()] && r.outputs != cty.NilVal {
		// sensitive = true: the outputs are secrets for every task that
		// uses them, and their text is scrubbed from what others show.
		rs.sink.addValue(r.outputs, rs.publicNames())
		r.outputs = r.outputs.Mark(lang.SensitiveMark)
	}
	rs.setResult(n, r)
	rs.afterNode(n, r)
	if rs.opts.Journal != nil && !rs.check && (r.status == event.StatusOK || r.status == event.StatusChanged) {
		out, withheld := rs.journalSafe(r.outputs)
		rs.opts.Journal.Completed(t.Addr(), n.host.Name, string(r.status), r.changed, out, withheld)
	}
}

const quietSkip = "\x00quiet"

func (rs *runState) stopped() bool {
	return rs.opts.Stop != nil && rs.opts.Stop.Err() != nil
}

// blocked says why n must not run on its host, or "", and the failure
// behind it that what needs n inherits ("" when there is none).
func (rs *runState) blocked(n *node) (reason, cause string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	hs := rs.hosts[n.host.Name]
	t := n.task
	if hs.unreachable {
		return "host unreachable", hs.failedBy
	}
	if rs.aborted != "" && t.Section != config.SectionAlways {
		return rs.aborted, ""
	}
	if t.Block != nil {
		switch t.Section {
		case config.SectionMain:
			if hs.blockFailed[t.Block] {
				return "an earlier task of " + t.Block.Label() + " failed on this host", ""
			}
			if !hs.failed {
				hs.entered[t.Block] = true
			}
		case config.SectionRescue:
			if !hs.blockFailed[t.Block] {
				return quietSkip, ""
			}
		case config.SectionAlways:
			if hs.entered[t.Block] {
				return "", ""
			}
		}
	}
	if hs.failed {
		return "host failed earlier in this run (" + hs.failedBy + ")", hs.failedBy
	}
	return "", ""
}

// upstreamFailure says why n must not run because an instance it needs
// (directly, or through instances skipped for it) failed or was
// unreachable: "needs task.a on h1, which failed". The order edges that
// carry no data are not followed: a rescue or always task waits for the
// failures of its block, a handler for the tasks that notify it, a serial
// batch for the one before it; they have rules of their own.
func (rs *runState) upstreamFailure(n *node) (reason, cause string) {
	t := n.task
	for _, dep := range rs.p.g.DependsOn(n) {
		if dep.barrier != nil || dep.task == t {
			continue
		}
		if t.Block != nil && t.Section != config.SectionMain && dep.task.Block == t.Block {
			continue
		}
		if _, data := n.info.deps[dep.task.Addr()]; !data && t.Kind == config.KindHandler && notifies(n, dep) {
			continue
		}
		rs.mu.Lock()
		var why string
		var status event.Status
		if r := rs.results[dep]; r != nil {
			why, status = r.failure(dep), r.status
		}
		rs.mu.Unlock()
		switch {
		case why == "":
			continue
		case status == event.StatusFailed:
			return "needs " + nodeName(dep) + ", which failed", why
		case status == event.StatusUnreachable:
			return "needs " + nodeName(dep) + ", which was unreachable", why
		}
		return "needs " + nodeName(dep) + ", which was skipped: " + why, why
	}
	return "", ""
}

func notifies(handler, n *node) bool {
	for _, m := range handler.notifier {
		if m == n {
			return true
		}
	}
	return false
}

func (rs *runState) notified(n *node) bool {
	for _, tn := range n.notifier {
		if r := rs.resultOf(tn); r != nil && r.changed && r.status != event.StatusFailed {
			return true
		}
	}
	return false
}

// afterNode updates the host's state from a node's result.
func (rs *runState) afterNode(n *node, r *result) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	hs := rs.hosts[n.host.Name]
	t := n.task
	switch r.status {
	case event.StatusUnreachable:
		hs.unreachable = true
		if hs.failedBy == "" {
			hs.failedBy = r.failure(n)
		}
	case event.StatusFailed:
		if t.Block != nil && t.Section == config.SectionMain && len(t.Block.Rescue) > 0 && hs.rescuesLeft[t.Block] > 0 {
			hs.blockFailed[t.Block] = true
		} else {
			hs.failed = true
			if hs.failedBy == "" {
				hs.failedBy = r.failure(n)
			}
		}
		if rs.anyErrorsFatal(t) {
			rs.aborted = "stopped: " + t.Addr() + " failed on " + n.host.Name + " and any_errors_fatal is set"
		}
	}
	if t.Block != nil && t.Section == config.SectionRescue {
		hs.rescuesLeft[t.Block]--
		if hs.rescuesLeft[t.Block] == 0 && hs.blockFailed[t.Block] && !hs.failed {
			// Every rescue task succeeded: the failure is cleared.
			hs.blockFailed[t.Block] = false
			for _, m := range t.Block.Tasks {
				if mn := rs.p.onHost[m.Addr()][n.host.Name]; mn != nil {
					if mr := rs.results[mn]; mr != nil && mr.status == event.StatusFailed {
						mr.rescued = true
					}
				}
			}
			if rec := rs.recap[n.host.Name]; rec != nil && rec.Failed > 0 {
				rec.Failed--
				rec.Rescued++
			}
		}
	}
}

// batchDone ends a batch of a runbook-level serial: when too many of its
// hosts failed (more than max_fail_percentage, or all of them when it is
// not set, as in Ansible), no later batch starts.
func (rs *runState) batchDone(b *barrier) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	failed := 0
	for _, h := range b.hosts {
		if hs := rs.hosts[h]; hs != nil && (hs.failed || hs.unreachable) {
			failed++
		}
	}
	if rs.tooManyFailed(rs.p.l.Runbook.MaxFailPercentage, failed, len(b.hosts)) && rs.aborted == "" {
		rs.aborted = fmt.Sprintf("stopped after serial batch %d: %d of %d hosts failed", b.batch+1, failed, len(b.hosts))
	}
}

// taskMaxFail applies max_fail_percentage to a task's own serial batches:
// an instance of batch k does not start if an earlier batch failed too much.
func (rs *runState) taskMaxFail(n *node) string {
	if n.batch == 0 || n.task.Serial == nil {
		return ""
	}
	expr := n.task.MaxFailPercentage
	if expr == nil {
		expr = rs.p.l.Runbook.MaxFailPercentage
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	perBatch := map[int][2]int{}
	for _, m := range rs.p.nodes[n.task.Addr()] {
		if m.batch >= n.batch {
			continue
		}
		c := perBatch[m.batch]
		c[1]++
		if r := rs.results[m]; r != nil && (r.status == event.StatusFailed || r.status == event.StatusUnreachable) {
			c[0]++
		}
		perBatch[m.batch] = c
	}
	for k, c := range perBatch {
		if rs.tooManyFailed(expr, c[0], c[1]) {
			return fmt.Sprintf("serial batch %d of %s failed on %d of %d hosts", k+1, n.task.Addr(), c[0], c[1])
		}
	}
	return ""
}

func (rs *runState) tooManyFailed(expr hcl.Expression, failed, total int) bool {
	if failed == 0 || total == 0 {
		return false
	}
	if expr == nil {
		return failed == total
	}
	v, d := expr.Value(rs.p.staticScope())
	if d.HasErrors() {
		return failed == total
	}
	v, _ = v.Unmark()
	nv, err := convert.Convert(v, cty.Number)
	if err != nil || nv.IsNull() || !nv.IsKnown() {
		return failed == total
	}
	pct, _ := nv.AsBigFloat().Float64()
	return float64(failed)*100/float64(total) > pct
}

func (rs *runState) anyErrorsFatal(t *config.Task) bool {
	expr := t.AnyErrorsFatal
	if expr == nil {
		expr = rs.p.l.Runbook.AnyErrorsFatal
	}
	if expr == nil {
		return false
	}
	v, d := expr.Value(rs.p.staticScope())
	if d.HasErrors() {
		return false
	}
	v, _ = v.Unmark()
	v, err := convert.Convert(v, cty.Bool) // "true" is accepted by validation too
	return err == nil && v.IsKnown() && !v.IsNull() && v.True()
}
