package labtest

import "testing"

// `go test ./...` used to drive any lab that happened to be up on the
// machine: labtest switched on when env files existed. Without
// RUNBOOK_LAB_REQUIRED=1 or RUNBOOK_LAB_DIR a lab test now skips, whatever
// is up.
func TestLabTestsSkipUnlessAsked(t *testing.T) {
	t.Setenv("RUNBOOK_LAB_DIR", "")
	t.Setenv("RUNBOOK_LAB_REQUIRED", "")
	for _, part := range []string{"ssh", "systemd", "mariadb", "openstack"} {
		var sub *testing.T
		t.Run(part, func(t *testing.T) {
			sub = t
			Env(t, part)
			t.Errorf("the %s lab was used without being asked for", part)
		})
		if !sub.Skipped() {
			t.Errorf("%s: not skipped", part)
		}
	}
}
