package filediff

import (
	"context"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/modules/internal/hostfs"
)

// FirstWrite is the first half of a run's plan and apply in one command
// (module.Converger, hostfs.PrefetchThen) for a module whose plan is a
// Change of the file at p: it plans against a host where p does not exist
// (hostfs.Hypothetical, with the users and groups of lookups known) and
// returns the one command Apply would run there, or nil when that plan
// does not create the file in one command (a validate, a plan error).
func FirstWrite(ctx context.Context, p string, lookups []hostfs.Lookup, plan func(*hostfs.FS) (*Change, error)) *transport.Cmd {
	ch, err := plan(hostfs.Hypothetical(p, lookups))
	if err != nil || ch == nil || !ch.Changed() || ch.Cur.Exists() {
		return nil
	}
	rec := &hostfs.Replay{}
	if _, err := ch.Apply(ctx, rec); err != nil {
		return nil
	}
	return rec.Cmd
}

// PrefetchFirstWrite is FirstWrite then hostfs.PrefetchThen on a new FS of
// conn (with the users and groups of lookups asked too): it returns that
// FS, which holds the probe's answers for the plan to read, and the first
// write's result (nil: it did not run). ok is false when there is no first
// write to try (the module plans and applies as usual).
func PrefetchFirstWrite(ctx context.Context, conn transport.Conn, p string, lookups []hostfs.Lookup, plan func(*hostfs.FS) (*Change, error)) (fsys *hostfs.FS, res *transport.Result, ok bool, err error) {
	then := FirstWrite(ctx, p, lookups, plan)
	if then == nil {
		return nil, nil, false, nil
	}
	fsys = hostfs.New(conn, nil)
	fsys.WillLookUp(lookups...)
	res, err = fsys.PrefetchThen(ctx, p, true, then)
	return fsys, res, true, err
}

// Converged is the second half: ch is the plan made from the answers of
// PrefetchThen's probe, res what its command did (nil: it did not run,
// the host was not the first write's case). It makes the change as Apply
// does where the command did not run, and reads the command's result as
// Apply reads its own where it did. It returns whether the file changed
// and the backup's path.
func Converged(ctx context.Context, conn transport.Conn, ch *Change, res *transport.Result) (changed bool, backup string, err error) {
	if res != nil {
		if ch == nil || !ch.Changed() || ch.Cur.Exists() {
			p := ""
			if ch != nil {
				p = ch.Cur.Path
			}
			return res.RC == 0, "", &hostfs.NotHypothetical{Path: p}
		}
		backup, err := ch.Apply(ctx, &hostfs.Replay{Result: res})
		return err == nil, backup, err
	}
	if ch == nil || !ch.Changed() {
		return false, "", nil
	}
	backup, err = ch.Apply(ctx, conn)
	return err == nil, backup, err
}
