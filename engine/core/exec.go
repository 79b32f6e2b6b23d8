package core

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/config"
	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/container"
)

// item is one for_each element of a node (or the node itself).
type item struct {
	key  string
	each map[string]cty.Value // nil without for_each
}

// runNode evaluates when and for_each, then runs each item.
func (rs *runState) runNode(ctx context.Context, n *node) *result {
	t := n.task
	outTy := rs.p.l.an.outputsType(t)
	if err := rs.evalDynLocals(n); err != nil {
		return rs.fail(n, "", err)
	}
	// The instance's scope for when and for_each; a task with neither
	// (most) does not need it.
	var base *hcl.EvalContext
	if t.When != nil || t.ForEach != nil {
		base = rs.scope(n, nil, cty.NilVal)
	}

	if t.When != nil && t.ForEach == nil {
		ok, known, err := evalBool(t.When, base)
		switch {
		case err != nil:
			return rs.fail(n, "", err)
		case !known:
			return rs.unpredictable(n, "", "condition known after apply", outTy)
		case !ok:
			rs.emitFinished(event.TaskFinished{Task: t.Addr(), Host: n.host.Name, Status: event.StatusSkipped, Reason: "condition is false"})
			return &result{status: event.StatusSkipped, outputs: cty.NullVal(outTy)}
		}
	}
	if t.ForEach == nil {
		return rs.runItem(ctx, n, item{})
	}

	items, known, err := forEachItems(t.ForEach, base)
	if err != nil {
		return rs.fail(n, "", err)
	}
	if !known {
		return rs.unpredictable(n, "", "for_each known after apply", outTy)
	}
	if len(items) == 0 {
		rs.emitFinished(event.TaskFinished{Task: t.Addr(), Host: n.host.Name, Status: event.StatusSkipped, Reason: "for_each is empty"})
		return &result{status: event.StatusSkipped, outputs: cty.EmptyObjectVal}
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.key
	}
	rs.order.items(n, keys)
	results := make([]*result, len(items))
	batch := len(items)
	if t.Serial != nil {
		sizes, d := (&graphBuilder{a: rs.p.l.an, scope: rs.p.staticScope()}).serialOf(t, len(items))
		if d.HasErrors() {
			return rs.fail(n, "", diagsError(d))
		}
		if len(sizes) > 0 {
			batch = sizes[0]
		}
	}
	for start := 0; start < len(items); start += batch {
		end := min(start+batch, len(items))
		var wg sync.WaitGroup
		for i := start; i < end; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				it := items[i]
				if t.When != nil {
					sc := rs.scope(n, it.each, cty.NilVal)
					ok, known, err := evalBool(t.When, sc)
					switch {
					case err != nil:
						results[i] = rs.fail(n, it.key, err)
						return
					case !known:
						results[i] = rs.unpredictable(n, it.key, "condition known after apply", cty.DynamicPseudoType)
						return
					case !ok:
						rs.emitFinished(event.TaskFinished{Task: t.Addr(), Key: it.key, Host: n.host.Name, Status: event.StatusSkipped, Reason: "condition is false"})
						results[i] = &result{status: event.StatusSkipped, outputs: cty.NullVal(cty.DynamicPseudoType)}
						return
					}
				}
				results[i] = rs.runItem(ctx, n, it)
			}(i)
		}
		wg.Wait()
		if failedAny(results[start:end]) && t.Serial != nil {
			for i := end; i < len(items); i++ {
				rs.emitFinished(event.TaskFinished{Task: t.Addr(), Key: items[i].key, Host: n.host.Name, Status: event.StatusSkipped, Reason: "an earlier serial batch failed"})
				results[i] = &result{status: event.StatusSkipped, outputs: cty.NullVal(cty.DynamicPseudoType)}
			}
			break
		}
	}
	return combine(items, results)
}

func failedAny(rs []*result) bool {
	for _, r := range rs {
		if r != nil && (r.status == event.StatusFailed || r.status == event.StatusUnreachable) {
			return true
		}
	}
	return false
}

// combine folds item results into the node's result: outputs keyed by
// each.key; the worst status wins.
func combine(items []item, results []*result) *result {
	out := map[string]cty.Value{}
	agg := &result{status: event.StatusSkipped}
	rank := map[event.Status]int{
		event.StatusSkipped: 0, event.StatusOK: 1, event.StatusUnpredictable: 2, event.StatusWouldChange: 3,
		event.StatusChanged: 4, event.StatusFailed: 5, event.StatusUnreachable: 6,
	}
	for i, r := range results {
		if r == nil {
			continue
		}
		out[items[i].key] = r.outputs
		agg.changed = agg.changed || r.changed
		if rank[r.status] > rank[agg.status] {
			agg.status = r.status
		}
	}
	agg.outputs = cty.ObjectVal(out)
	return agg
}

// forEachItems expands a for_each value into items sorted by key; known
// is false when the value is not known yet (check mode). A list or set
// with an element twice gives one item, as a set would.
func forEachItems(expr hcl.Expression, ctx *hcl.EvalContext) ([]item, bool, error) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return nil, false, diagsError(diags)
	}
	if d := forEachCheck(expr, v); d != nil {
		return nil, true, diagsError(hcl.Diagnostics{d})
	}
	if !v.IsWhollyKnown() {
		return nil, false, nil
	}
	if v.IsNull() {
		return nil, true, exprError(expr, "Invalid for_each argument", "for_each is null; give an empty map or list for no instances.")
	}
	ty := v.Type()
	var items []item
	seen := map[string]bool{}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			items = append(items, item{key: k.AsString(), each: map[string]cty.Value{"key": k, "value": e}})
		}
	case ty.IsSetType() || ty.IsListType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			s, err := convert.Convert(e, cty.String)
			if err != nil || s.IsNull() {
				return nil, true, exprError(expr, "Invalid for_each argument", "for_each over a list or set takes strings (not null); use a map for other values.")
			}
			if seen[s.AsString()] {
				continue
			}
			seen[s.AsString()] = true
			items = append(items, item{key: s.AsString(), each: map[string]cty.Value{"key": s, "value": e}})
		}
	default:
		return nil, true, diagsError(hcl.Diagnostics{forEachTypeError(expr, ty)})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].key < items[j].key })
	return items, true, nil
}

func evalBool(expr hcl.Expression, ctx *hcl.EvalContext) (val, known bool, err error) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return false, false, diagsError(diags)
	}
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() {
		return false, false, nil
	}
	b, cerr := convert.Convert(v, cty.Bool)
	if cerr != nil || b.IsNull() {
		return false, true, exprError(expr, "Invalid condition", fmt.Sprintf("The condition must be true or false, not %s.", friendlyValue(v)))
	}
	return b.True(), true, nil
}

func (rs *runState) fail(n *node, key string, err error) *result {
	return rs.failAt(n, key, time.Time{}, err)
}

func (rs *runState) unpredictable(n *node, key, reason string, outTy cty.Type) *result {
	rs.emitFinished(event.TaskFinished{Task: n.task.Addr(), Key: key, Host: n.host.Name, Status: event.StatusUnpredictable, Reason: reason})
	return &result{status: event.StatusUnpredictable, changed: true, outputs: cty.UnknownVal(outTy)}
}

// runItem plans one instance and applies it when the plan says so.
func (rs *runState) runItem(ctx context.Context, n *node, it item) *result {
	t := n.task
	mod := n.info.mod
	schema := n.info.schema
	outTy := schema.Outputs
	if outTy == cty.NilType {
		outTy = cty.DynamicPseudoType
	}
	started := time.Now()
	finished := func(ev event.TaskFinished) {
		ev.Task, ev.Key, ev.Host, ev.Duration = t.Addr(), it.key, n.host.Name, time.Since(started)
		rs.emitFinished(ev)
	}
	var stop <-chan struct{}
	if rs.opts.Stop != nil {
		stop = rs.opts.Stop.Done()
	}
	select {
	case rs.forks <- struct{}{}:
		defer func() { <-rs.forks }()
	case <-ctx.Done():
		finished(event.TaskFinished{Status: event.StatusSkipped, Reason: "interrupted before it started"})
		return &result{status: event.StatusSkipped, outputs: cty.NullVal(outTy)}
	case <-stop:
		finished(event.TaskFinished{Status: event.StatusSkipped, Reason: "interrupted before it started"})
		return &result{status: event.StatusSkipped, outputs: cty.NullVal(outTy)}
	}
	rs.sink.Emit(event.TaskStarted{Task: t.Addr(), Key: it.key, Host: n.host.Name, Time: started.UTC()})

	sc := rs.scope(n, it.each, cty.NilVal)
	dec := rs.decodeArgs(n, sc)
	if dec.err != nil {
		return rs.failAt(n, it.key, started, dec.err)
	}
	args, plain, sensitive := dec.args, dec.plain, dec.sensitive
	if !args.IsWhollyKnown() {
		if rs.check {
			finished(event.TaskFinished{Status: event.StatusUnpredictable, Reason: "would change (known after apply)"})
			return &result{status: event.StatusUnpredictable, changed: true, outputs: cty.UnknownVal(outTy)}
		}
		return rs.failAt(n, it.key, started, errors.New("an argument is not known: a task it depends on did not produce it"))
	}

	opts, err := rs.instanceOptions(n, sc)
	if err != nil {
		return rs.failAt(n, it.key, started, err)
	}
	if opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.timeout)
		defer cancel()
	}
	conn, err := rs.conn(ctx, opts.target)
	if err != nil {
		return rs.failAt(n, it.key, started, err)
	}
	if opts.container != nil {
		conn = container.Wrap(conn, *opts.container)
	}
	if opts.become != nil {
		conn = &becomeConn{Conn: conn, become: opts.become}
	}
	conn = rs.traced(conn, n, it.key, opts.become)
	req := module.Request{
		Args: plain, Sensitive: sensitive, Conn: conn,
		Host:    module.Host{Name: n.host.Name, Vars: n.host.Vars},
		BaseDir: rs.p.baseDir,
		Output: func(stream, line string) {
			rs.sink.Emit(event.TaskOutput{Task: t.Addr(), Key: it.key, Host: n.host.Name, Stream: stream, Line: line})
		},
	}
	if cv, ok := mod.(module.Converger); ok && rs.converges(n, sc) {
		// A run of a module that looks and changes in one step: one visit
		// to the host instead of a plan and an apply (module.Converger).
		return rs.apply(ctx, n, it, req, nil, cv, opts, started, finished, nil)
	}
	target := targetKey(opts)
	view := rs.viewFor(n, target)
	preq := &module.PlanRequest{Request: req}
	if view != nil {
		preq.View = view
	}
	plan := mod.Plan(ctx, preq)
	if plan == nil {
		plan = &module.PlanResponse{Err: fmt.Errorf("module %s returned no plan", t.Module)}
	}
	from := view.from()
	finishedPlan := func(ev event.TaskFinished) {
		ev.PredictedFrom = from
		finished(ev)
	}
	if plan.Err != nil {
		var conflict *module.ConflictError
		switch {
		case rs.check && errors.As(plan.Err, &conflict):
			finishedPlan(event.TaskFinished{Status: event.StatusUnpredictable, Reason: "cannot predict: " + conflict.Error()})
			return &result{status: event.StatusUnpredictable, changed: true, outputs: cty.UnknownVal(outTy)}
		case rs.check && module.IsNotYet(plan.Err) && rs.pendingUpstream(n):
			// The plan looked at a host that tasks before it would still
			// change, in a way their plans do not tell (a folder not made
			// yet): not an error of this task. Any other plan error is
			// one, whatever ran before it.
			finishedPlan(event.TaskFinished{Status: event.StatusUnpredictable, Reason: "cannot check before the tasks it waits for have run: " + firstLine(plan.Err.Error())})
			return &result{status: event.StatusUnpredictable, changed: true, outputs: cty.UnknownVal(outTy)}
		}
		return rs.failAt(n, it.key, started, timeoutErr(ctx, plan.Err, opts.timeout))
	}
	diff := rs.diffOf(plan.Diff)
	checkOnly := rs.check
	if t.CheckMode != nil {
		if v, known, err := evalBool(t.CheckMode, sc); err == nil && known {
			checkOnly = v
		}
	} else if rs.check && rs.readOnly(t, func() *hcl.EvalContext { return sc }) {
		checkOnly = false
	}
	if n.pulled {
		// Left out by the selection but read by a selected task: it runs
		// only as a read (a read-only task for real, any other one as a
		// check); a change it would make is not made, and what reads it
		// is skipped saying so.
		readOnly := rs.readOnly(t, func() *hcl.EvalContext { return sc })
		if plan.Action != module.NoOp && !readOnly {
			why := "would change: " + firstLine(plan.Reason)
			if plan.Action == module.Unpredictable {
				why = "cannot be read without running it (read_only = true says it only reads)"
			}
			msg := t.Addr() + " is not selected and " + why + "; select it too to run it"
			finished(event.TaskFinished{Status: event.StatusSkipped, Reason: msg})
			return &result{status: event.StatusSkipped, cause: msg, outputs: cty.UnknownVal(outTy)}
		}
		checkOnly = !readOnly
	}
	if rs.check && !checkOnly && plan.Action != module.NoOp && rs.pendingUpstream(n) {
		// check_mode = false runs a task for real in a check, but after a
		// pending change it would act on a state that is not there yet.
		finished(event.TaskFinished{Status: event.StatusUnpredictable, Reason: "runs after tasks that would change: known after apply"})
		return &result{status: event.StatusUnpredictable, changed: true, outputs: cty.UnknownVal(outTy)}
	}
	if plan.Action == module.NoOp {
		out := plan.Outputs
		if out == cty.NilVal {
			out = cty.NullVal(outTy)
		}
		reason := plan.Reason
		if checkOnly && rs.pendingUpstream(n) {
			// What this task read may change when the tasks before it
			// apply: like Terraform's data sources, its outputs are
			// known only after apply.
			out = cty.UnknownVal(outTy)
			reason = strings.TrimPrefix(reason+"; outputs known after apply (tasks before it would change)", "; ")
		}
		finishedPlan(event.TaskFinished{Status: event.StatusOK, Reason: reason})
		return &result{status: event.StatusOK, outputs: out}
	}
	if checkOnly {
		st := event.StatusWouldChange
		out := cty.UnknownVal(outTy)
		switch {
		case plan.Action == module.Unpredictable && literalTrue(t.ChangedWhen):
			// The runbook says it changes whenever it runs, and the run
			// will say so: a prediction, though what it changes is not
			// known (no facts, unknown outputs).
		case plan.Action == module.Unpredictable:
			st = event.StatusUnpredictable
		default:
			out = plannedOutputs(plan.Outputs, outTy)
			if rs.check {
				rs.recordFacts(n, it.key, target, plan.Planned)
			}
		}
		notified := rs.notifyNames(t)
		finishedPlan(event.TaskFinished{Status: st, Reason: plan.Reason, Diff: diff, Notified: notified})
		return &result{status: st, changed: true, outputs: out}
	}
	return rs.apply(ctx, n, it, req, plan, nil, opts, started, finished, diff)
}

// converges reports whether an instance of a module that implements
// module.Converger converges instead of planning then applying: in a run,
// unless the task runs in check mode (check_mode = true) or only as a read
// pulled in by the selection. Those plan, as every instance of a check does.
func (rs *runState) converges(n *node, sc *hcl.EvalContext) bool {
	if rs.check || n.pulled {
		return false
	}
	if n.task.CheckMode != nil {
		if v, known, err := evalBool(n.task.CheckMode, sc); err != nil || !known || v {
			return false
		}
	}
	return true
}

// plannedOutputs are the outputs a check publishes for an instance that
// would change: what its plan says is known before Apply (a path), with
// unknowns elsewhere; wholly unknown when the plan says nothing or gives
// a value of another type.
func plannedOutputs(v cty.Value, ty cty.Type) cty.Value {
	if v == cty.NilVal || v.IsNull() {
		return cty.UnknownVal(ty)
	}
	c, err := convert.Convert(v, ty)
	if err != nil {
		return cty.UnknownVal(ty)
	}
	return c
}

// pendingUpstream reports whether a task instance that n waits for,
// directly or not, would change (or cannot be predicted) in this check.
func (rs *runState) pendingUpstream(n *node) bool {
	for _, dep := range rs.p.g.DependsOn(n) {
		if dep.barrier != nil {
			// Join and batch nodes hold no result: look through them.
			if rs.pendingUpstream(dep) {
				return true
			}
			continue
		}
		if r := rs.resultOf(dep); r != nil && (r.changed || r.pendingUp) {
			return true
		}
	}
	return false
}

// failAt reports an instance (or item) that failed, or was unreachable,
// since started (zero: no time spent).
func (rs *runState) failAt(n *node, key string, started time.Time, err error) *result {
	ev := event.TaskFinished{Task: n.task.Addr(), Key: key, Host: n.host.Name, Status: event.StatusFailed}
	if !started.IsZero() {
		ev.Duration = time.Since(started)
	}
	if transport.IsUnreachable(err) {
		ev.Status = event.StatusUnreachable
	}
	rs.describeFailure(&ev, err)
	rs.emitFinished(ev)
	return &result{status: ev.Status, outputs: cty.NullVal(rs.p.l.an.outputsType(n.task))}
}

// describeFailure fills what a failure shows: the reason, the exit status
// and stderr tail of a command, and the diagnostics with their snippets.
func (rs *runState) describeFailure(ev *event.TaskFinished, err error) {
	ev.Reason = err.Error()
	var ce *module.CommandError
	if errors.As(err, &ce) {
		rc := ce.RC
		ev.RC = &rc
		ev.Stderr = module.Tail(ce.Stderr, 10)
	}
	if diags := failureDiags(err); len(diags) > 0 {
		ev.Diagnostics = event.NewDiagnostics(diags, rs.p.l.Files)
	}
}

func timeoutErr(ctx context.Context, err error, d time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && d > 0 {
		return fmt.Errorf("timed out after %s: %w", d, err)
	}
	return err
}

func (rs *runState) notifyNames(t *config.Task) []string {
	var out []string
	for _, tr := range t.Notify {
		out = append(out, "handler."+tr[1].(hcl.TraverseAttr).Name)
	}
	return out
}

func (rs *runState) diffOf(d *module.Diff) []event.Diff {
	if !rs.p.opts.Diff || d == nil {
		return nil
	}
	out := make([]event.Diff, 0, len(d.Items))
	for _, it := range d.Items {
		e := event.Diff{Name: it.Name, Before: it.Before, After: it.After, BeforeAbsent: it.BeforeAbsent, AfterAbsent: it.AfterAbsent, Unified: it.Unified, Sensitive: it.Sensitive}
		if it.Sensitive {
			e.Before, e.After, e.Unified = "", "", ""
		}
		out = append(out, e)
	}
	return out
}

// friendlyValue names a value's kind for messages, never the value (it
// may be sensitive).
func friendlyValue(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return v.Type().FriendlyName()
}
