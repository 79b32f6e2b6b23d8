package wait_for

import (
	"context"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

func outputs(o outcome, elapsed time.Duration, attempts int) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"elapsed":  cty.NumberFloatVal(elapsed.Round(time.Millisecond).Seconds()),
		"attempts": cty.NumberIntVal(int64(attempts)),
		"status":   cty.NumberIntVal(int64(o.status)),
		"match":    cty.StringVal(o.match),
	})
}

// Plan checks once: nothing to do when the condition already holds.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	p, err := parse(req.Args)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	// In a check, a path the tasks before it plan is looked at as planned.
	o, err := probe(ctx, p, hostfs.For(&req.Request), req.Host.Name)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if o.ok {
		return &module.PlanResponse{Action: module.NoOp, Reason: p.what() + ": already (" + o.detail + ")", Outputs: outputs(o, 0, 1)}
	}
	return &module.PlanResponse{
		Action:  module.Change,
		Reason:  fmt.Sprintf("would wait up to %s for %s (now: %s)", p.timeout, p.what(), o.detail),
		Private: p,
	}
}

// Apply polls until the condition holds, or fails at the timeout with the
// last thing it saw. It changes nothing, so it reports no change.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	p, ok := req.Planned.Private.(*params)
	if !ok {
		var err error
		if p, err = parse(req.Args); err != nil {
			return &module.ApplyResponse{Err: err}
		}
	}
	start := time.Now()
	deadline := start.Add(p.timeout)
	nextNote := start.Add(10 * time.Second)
	for attempts := 1; ; attempts++ {
		// In a check, a path the tasks before it plan is looked at as planned.
		o, err := probe(ctx, p, hostfs.For(&req.Request), req.Host.Name)
		if err != nil {
			return &module.ApplyResponse{Err: err}
		}
		now := time.Now()
		if o.ok {
			return &module.ApplyResponse{Outputs: outputs(o, now.Sub(start), attempts)}
		}
		if !now.Before(deadline) {
			return &module.ApplyResponse{Err: fmt.Errorf("timed out after %s waiting for %s on %s (%d checks; last: %s)",
				p.timeout, p.what(), where(p, req.Host.Name), attempts, o.detail)}
		}
		if req.Output != nil && now.After(nextNote) {
			req.Output("stdout", fmt.Sprintf("still waiting for %s (%s, %s)", p.what(), o.detail, now.Sub(start).Round(time.Second)))
			nextNote = now.Add(10 * time.Second)
		}
		sleep := p.interval
		if rest := deadline.Sub(now); rest < sleep {
			sleep = rest
		}
		select {
		case <-ctx.Done():
			return &module.ApplyResponse{Err: fmt.Errorf("waiting for %s: %w", p.what(), ctx.Err())}
		case <-time.After(sleep):
		}
	}
}
