package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/runbook-dev/runbook/engine/event"
	"github.com/runbook-dev/runbook/engine/inventory"
	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/engine/transport/container"
)

// instanceOptions are the evaluated per-instance meta-arguments.
type instanceOptions struct {
	target  *inventory.Host // where the work runs (delegate_to)
	timeout time.Duration
	retries int
	delay   time.Duration
	become  *transport.Become
	// container, when set, wraps the host connection (container.Wrap).
	container *container.Spec
}

func (rs *runState) instanceOptions(n *node, sc *hcl.EvalContext) (*instanceOptions, error) {
	t := n.task
	o := &instanceOptions{target: n.host, delay: 5 * time.Second}
	// val evaluates expr and converts it to ty (validation allowed any
	// value convertible to it, such as "true" for a bool); sensitive
	// tells whether it was marked.
	var sensitive bool
	val := func(name string, expr hcl.Expression, ty cty.Type) (cty.Value, error) {
		v, diags := expr.Value(sc)
		if diags.HasErrors() {
			return cty.NilVal, diagsError(diags)
		}
		sensitive = v.ContainsMarked()
		v, _ = v.UnmarkDeep()
		if !v.IsKnown() || v.IsNull() {
			return cty.NilVal, exprError(expr, "Invalid value for "+name, name+" must be known (and not null) when the task runs.")
		}
		c, err := convert.Convert(v, ty)
		if err != nil || c.IsNull() {
			return cty.NilVal, exprError(expr, "Invalid value for "+name, fmt.Sprintf("%s must be %s, not %s.", name, ty.FriendlyName(), friendlyValue(v)))
		}
		return c, nil
	}
	// checked reads a meta-argument and checks its value as validation
	// does, at the expression's range.
	checked := func(name string, expr hcl.Expression) (cty.Value, error) {
		v, err := val(name, expr, cty.DynamicPseudoType)
		if err != nil {
			return v, err
		}
		if d := checkMetaValue(name, expr, v); d != nil {
			return cty.NilVal, diagsError(hcl.Diagnostics{d})
		}
		return v, nil
	}
	if t.DelegateTo != nil {
		v, err := val("delegate_to", t.DelegateTo, cty.String)
		if err != nil {
			return nil, err
		}
		h, ok := rs.p.l.Inventory.Hosts[v.AsString()]
		if !ok {
			name := fmt.Sprintf("%q", v.AsString())
			if sensitive {
				name = Sensitive
			}
			return nil, exprError(t.DelegateTo, "Unknown host in delegate_to", fmt.Sprintf("delegate_to names %s, which is not in the inventory.", name))
		}
		o.target = h
	}
	if t.Timeout != nil {
		v, err := checked("timeout", t.Timeout)
		if err != nil {
			return nil, err
		}
		o.timeout, _ = durationOf(v)
	}
	if t.Delay != nil {
		v, err := checked("delay", t.Delay)
		if err != nil {
			return nil, err
		}
		o.delay, _ = durationOf(v)
	}
	if t.Retries != nil {
		v, err := checked("retries", t.Retries)
		if err != nil {
			return nil, err
		}
		r, _ := wholeNumber(v, 0, maxRetries)
		o.retries = int(r)
	} else if t.Until != nil {
		o.retries = 3 // Ansible's default when until is set
	}
	become := o.target.Become
	user := o.target.BecomeUser
	if t.Become != nil {
		v, err := val("become", t.Become, cty.Bool)
		if err != nil {
			return nil, err
		}
		become = v.True()
	}
	if t.BecomeUser != nil {
		v, err := val("become_user", t.BecomeUser, cty.String)
		if err != nil {
			return nil, err
		}
		user = v.AsString()
	}
	if t.Container != nil {
		v, diags := t.Container.Value(sc)
		if diags.HasErrors() {
			return nil, errors.New(diagText(diags))
		}
		var err error
		if o.container, err = containerSpec(v); err != nil {
			return nil, fmt.Errorf("%s: container: %w", t.Container.Range(), err)
		}
	}
	if become {
		o.become = &transport.Become{Method: "sudo", User: user}
		if pw := rs.p.l.Runbook.BecomePassword; pw != nil {
			v, diags := pw.Value(rs.p.staticScope())
			if diags.HasErrors() {
				return nil, diagsError(diags)
			}
			v, _ = v.UnmarkDeep()
			if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				o.become.Password = v.AsString()
			}
		}
	}
	return o, nil
}

// apply runs Apply of plan, or Converge of conv when it is set (plan is
// then nil), with retries/until/delay, changed_when and failed_when.
func (rs *runState) apply(ctx context.Context, n *node, it item, req module.Request, plan *module.PlanResponse, conv module.Converger,
	o *instanceOptions, started time.Time, finished func(event.TaskFinished), diff []event.Diff) *result {
	t := n.task
	outTy := n.info.schema.Outputs
	if outTy == cty.NilType {
		outTy = cty.DynamicPseudoType
	}
	attempts := o.retries + 1
	for attempt := 1; ; attempt++ {
		var resp *module.ApplyResponse
		if conv != nil {
			cr := conv.Converge(ctx, &module.ConvergeRequest{Request: req})
			if cr == nil {
				cr = &module.ConvergeResponse{Err: fmt.Errorf("module %s returned no result", t.Module)}
			}
			if cr.Action == module.NoOp && cr.Err == nil && attempt == 1 {
				// As a plan that says nothing to do: no apply, so
				// nothing of changed_when, failed_when or until.
				out := cr.Outputs
				if out == cty.NilVal {
					out = cty.NullVal(outTy)
				}
				finished(event.TaskFinished{Status: event.StatusOK, Reason: cr.Reason})
				return &result{status: event.StatusOK, outputs: out}
			}
			resp = &module.ApplyResponse{Changed: cr.Action != module.NoOp && cr.Changed, Outputs: cr.Outputs, Err: cr.Err}
			diff = rs.diffOf(cr.Diff)
		} else {
			resp = n.info.mod.Apply(ctx, &module.ApplyRequest{Request: req, Planned: plan})
		}
		if resp == nil {
			resp = &module.ApplyResponse{Err: fmt.Errorf("module %s returned no result", t.Module)}
		}
		out := resp.Outputs
		if out == cty.NilVal {
			out = cty.NullVal(outTy)
		}
		changed, err := resp.Changed, resp.Err
		if err != nil {
			err = timeoutErr(ctx, err, o.timeout)
		}
		unreachable := err != nil && transport.IsUnreachable(err)

		// The scope with self is built only for a task that has an
		// expression to evaluate in it (most have none).
		var sc *hcl.EvalContext
		selfChanged, selfFailed := changed, err != nil // self is what the module said
		selfScope := func() *hcl.EvalContext {
			if sc == nil {
				self := cty.ObjectVal(map[string]cty.Value{"outputs": out, "changed": cty.BoolVal(selfChanged), "failed": cty.BoolVal(selfFailed)})
				sc = rs.scope(n, it.each, self)
			}
			return sc
		}
		// An expression that cannot be evaluated fails the instance, next
		// to (never instead of) the module's own error.
		var exprDiags hcl.Diagnostics
		if t.ChangedWhen != nil && !unreachable {
			v, known, e := evalBool(t.ChangedWhen, selfScope())
			if e != nil {
				exprDiags = append(exprDiags, failureDiags(e)...)
			} else if known {
				changed = v
			}
		}
		if changed && rs.readOnly(t, selfScope) {
			changed = false // a read-only task never changes anything
		}
		if t.FailedWhen != nil && !unreachable {
			v, known, e := evalBool(t.FailedWhen, selfScope())
			switch {
			case e != nil:
				exprDiags = append(exprDiags, failureDiags(e)...)
			case known && v && err == nil:
				err = errors.New("failed_when condition is true")
			case known && !v:
				err = nil
			}
		}
		retryReason := ""
		if t.Until != nil && !unreachable {
			ok, known, e := evalBool(t.Until, selfScope())
			switch {
			case e != nil:
				exprDiags = append(exprDiags, failureDiags(e)...)
			case !known || !ok:
				retryReason = "until condition not met"
				if err != nil {
					retryReason = err.Error()
				}
			}
		} else if err != nil && !unreachable && o.retries > 0 {
			retryReason = err.Error()
		}
		if len(exprDiags) > 0 {
			err, retryReason = withDiags(err, exprDiags), ""
		}
		if retryReason != "" && attempt < attempts && ctx.Err() == nil {
			rs.sink.Emit(event.TaskRetry{Task: t.Addr(), Key: it.key, Host: n.host.Name, Attempt: attempt, Of: attempts, Reason: firstLine(retryReason)})
			select {
			case <-time.After(o.delay):
				continue
			case <-ctx.Done():
				err = fmt.Errorf("interrupted while waiting to retry: %w", ctx.Err())
				retryReason = ""
			}
		}
		if retryReason != "" && err == nil {
			err = fmt.Errorf("until condition not met after %d attempts", attempts)
		}
		if err != nil {
			if t.IgnoreErrors != nil {
				if v, known, e := evalBool(t.IgnoreErrors, rs.scope(n, it.each, cty.NilVal)); e == nil && known && v && !unreachable {
					ev := event.TaskFinished{Status: event.StatusIgnored}
					rs.describeFailure(&ev, err)
					ev.Reason = "error ignored: " + firstLine(ev.Reason)
					finished(ev)
					// For what comes after, an ignored error is a success.
					return &result{status: event.StatusOK, outputs: out}
				}
			}
			r := rs.failAt(n, it.key, started, err)
			r.outputs = out
			return r
		}
		if resp.Diff != nil {
			diff = rs.diffOf(resp.Diff)
		}
		st := event.StatusOK
		var notified []string
		if changed {
			st = event.StatusChanged
			notified = rs.notifyNames(t)
		}
		finished(event.TaskFinished{Status: st, Diff: diffIf(changed, diff), Notified: notified})
		return &result{status: st, changed: changed, outputs: out}
	}
}

func diffIf(changed bool, d []event.Diff) []event.Diff {
	if !changed {
		return nil
	}
	return d
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
