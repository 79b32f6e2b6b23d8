package openstack

import (
	"context"
	"fmt"
	"time"
)

// Backoff is how Poll spaces its calls: from Initial, multiplied by Factor
// after each call, up to Max.
type Backoff struct {
	Initial, Max time.Duration
	Factor       float64
}

// DefaultBackoff suits Trove and Glance status polling.
var DefaultBackoff = Backoff{Initial: 500 * time.Millisecond, Max: 10 * time.Second, Factor: 1.5}

// TimeoutError is returned by Poll when the timeout elapsed first.
type TimeoutError struct {
	What    string
	Timeout time.Duration
	Last    string // the last state seen
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for %s (last status %s)", e.Timeout, e.What, e.Last)
}

// Poll calls check until it reports done or fails, spacing calls by b, for
// at most timeout. check returns the state it saw (for progress and the
// timeout message), whether the wait is over, and an error to stop with.
// progress, when set, is called whenever the state changes.
func Poll(ctx context.Context, what string, timeout time.Duration, b Backoff, check func(context.Context) (state string, done bool, err error), progress func(string)) error {
	if b.Initial <= 0 {
		b = DefaultBackoff
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := b.Initial
	last := "(none)"
	for {
		state, done, err := check(ctx)
		if err != nil {
			if ctx.Err() == context.DeadlineExceeded {
				return &TimeoutError{What: what, Timeout: timeout, Last: last}
			}
			return err
		}
		if state != last && progress != nil {
			progress(state)
		}
		last = state
		if done {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			if ctx.Err() == context.DeadlineExceeded {
				return &TimeoutError{What: what, Timeout: timeout, Last: last}
			}
			return ctx.Err()
		case <-t.C:
		}
		delay = time.Duration(float64(delay) * b.Factor)
		if b.Max > 0 && delay > b.Max {
			delay = b.Max
		}
	}
}
