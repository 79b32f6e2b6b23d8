package systemd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// journalLines is how much of a unit's journal an error shows.
const journalLines = 20

// UnitError is a unit that failed to start, stop, reload or stay up; it
// carries the unit's last journal lines.
type UnitError struct {
	Unit    string
	Host    string
	Op      string // "start", "restart", "wait", ...
	Err     error
	Journal string
}

func (e *UnitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s on %s: %v", e.Op, e.Unit, e.Host, e.Err)
	if e.Journal != "" {
		fmt.Fprintf(&b, "\nlast journal lines of %s:\n%s", e.Unit, e.Journal)
	}
	return b.String()
}

func (e *UnitError) Unwrap() error { return e.Err }

// Apply makes the planned changes: daemon-reload, enable/disable, then the
// state change of each unit in order, waiting for it when asked. It stops
// at the first failure.
func (m *Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	pl, _ := req.Planned.Private.(*plan)
	if pl == nil {
		var err error
		if pl, err = makePlan(ctx, &req.Request); err != nil {
			return &module.ApplyResponse{Err: err}
		}
	}
	host := req.Host.Name
	conn := req.Conn
	say := func(format string, args ...any) {
		if req.Output != nil {
			req.Output("stdout", fmt.Sprintf(format, args...))
		}
	}
	changed := false
	fail := func(err error) *module.ApplyResponse {
		return &module.ApplyResponse{Changed: changed, Err: err}
	}

	if pl.daemonReload {
		if _, err := systemctl(ctx, conn, "daemon-reload on "+host, "daemon-reload"); err != nil {
			return fail(err)
		}
		changed = true
	}
	for _, verb := range []string{"enable", "disable"} {
		var ids []string
		for _, up := range pl.units {
			if up.enable == verb {
				ids = append(ids, up.before.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		say("%s %s", verb, strings.Join(ids, " "))
		if _, err := systemctl(ctx, conn, verb+" "+strings.Join(ids, " ")+" on "+host, append([]string{verb, "--"}, ids...)...); err != nil {
			return fail(err)
		}
		changed = true
	}
	for _, up := range pl.units {
		if up.action == "" {
			continue
		}
		id := up.before.ID
		say("%s %s", up.action, id)
		if _, err := systemctl(ctx, conn, "", up.action, "--", id); err != nil {
			return fail(&UnitError{Unit: id, Host: host, Op: up.action, Err: err, Journal: journal(ctx, conn, id, journalLines)})
		}
		changed = true
		if pl.params.wait != nil && up.action != "stop" {
			say("waiting for %s to be active%s", id, stableNote(pl.params.wait.stable))
			if err := waitActive(ctx, conn, id, pl.params.wait, 250*time.Millisecond); err != nil {
				return fail(&UnitError{Unit: id, Host: host, Op: "wait for", Err: err, Journal: journal(ctx, conn, id, journalLines)})
			}
		}
	}

	ids := make([]string, len(pl.units))
	for i, up := range pl.units {
		ids[i] = up.before.ID
	}
	after, err := show(ctx, conn, ids)
	if err != nil {
		return fail(fmt.Errorf("on %s: %w", host, err))
	}
	return &module.ApplyResponse{Changed: changed, Outputs: outputs(pl, after)}
}

func stableNote(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return " and stay active for " + d.String()
}

// waitActive polls the unit until it is active and has stayed active (same
// ActiveEnterTimestamp) for w.stable, or fails when it turns failed or
// inactive, or when w.timeout passes.
func waitActive(ctx context.Context, conn transport.Conn, id string, w *waitSpec, every time.Duration) error {
	deadline := time.Now().Add(w.timeout)
	var since time.Time
	var mono string
	last := "unknown"
	for {
		us, err := show(ctx, conn, []string{id})
		if err != nil {
			return err
		}
		u := us[0]
		last = u.ActiveState + "/" + u.SubState
		now := time.Now()
		switch u.ActiveState {
		case "active":
			if since.IsZero() || u.ActiveEnterMono != mono {
				since, mono = now, u.ActiveEnterMono
			}
			if now.Sub(since) >= w.stable {
				return nil
			}
		case "failed", "inactive":
			if !since.IsZero() {
				return fmt.Errorf("was active, then became %s after %s", last, now.Sub(since).Round(time.Millisecond))
			}
			return fmt.Errorf("became %s instead of active", last)
		default: // activating, reloading, deactivating: not up (yet)
			since = time.Time{}
		}
		if now.After(deadline) {
			if w.stable > 0 {
				return fmt.Errorf("not active and stable for %s within %s (last state %s)", w.stable, w.timeout, last)
			}
			return fmt.Errorf("not active within %s (last state %s)", w.timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}
