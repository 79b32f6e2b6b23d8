package troveinstance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/runbook-dev/runbook/modules/internal/openstack"
	"github.com/runbook-dev/runbook/modules/internal/openstack/trove/instances"
	"github.com/runbook-dev/runbook/modules/internal/openstack/troveops"
)

// createAttempts bounds the creates of one instance when Trove answers 5xx
// and no instance of the name exists afterwards.
const createAttempts = 3

// createBackoff is the pause before creating again (tests shorten it).
var createBackoff = 2 * time.Second

// create creates the instance. Trove can answer 500 (or the connection can
// break) after it recorded the instance, or before: its first quota
// reservations in a project race (DBDuplicateEntry on quota_usages) and a
// failed cast to the taskmanager leaves a row behind. Retrying blindly
// makes a duplicate; giving up loses track of one. So after an answer that
// may hide a create, the instance is looked up by name first: found, it is
// the one this task made (the plan saw none of that name) and is adopted;
// not found, the create is sent again, up to createAttempts in all.
// adopted says the instance came from the look-up.
func create(ctx context.Context, sc *gophercloud.ServiceClient, p *params) (inst *instances.Instance, adopted bool, err error) {
	op := fmt.Sprintf("creating Trove instance %q", p.name)
	var failures []error
	for attempt := 1; ; attempt++ {
		inst, err := instances.Create(ctx, sc, createOpts(p)).Extract()
		if err == nil {
			return inst, false, nil
		}
		err = openstack.Wrap(op, err)
		if !mayHaveCreated(err) {
			return nil, false, errors.Join(append(failures, err)...)
		}
		failures = append(failures, err)
		found, ferr := troveops.Find(ctx, sc, "", p.name)
		if ferr != nil {
			return nil, false, errors.Join(append(failures, fmt.Errorf("looking for instance %q after the failed create: %w", p.name, ferr))...)
		}
		if found != nil {
			return found, true, nil
		}
		if attempt == createAttempts {
			return nil, false, fmt.Errorf("%w (%d attempts; no instance %q exists)", errors.Join(failures...), attempt, p.name)
		}
		if p.wait.Say != nil {
			p.wait.Say(fmt.Sprintf("create of %q failed (%v) and no instance of that name exists: creating again", p.name, err))
		}
		t := time.NewTimer(createBackoff * time.Duration(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false, errors.Join(append(failures, ctx.Err())...)
		case <-t.C:
		}
	}
}

// mayHaveCreated says whether a failed create may still have made the
// instance: a server error, or no answer at all (the request may have been
// processed). A 4xx is Trove refusing the request: nothing was made.
func mayHaveCreated(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	st := openstack.StatusOf(err)
	return st == 0 || st >= http.StatusInternalServerError
}
