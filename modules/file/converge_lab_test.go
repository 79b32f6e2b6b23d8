package file

import (
	"testing"

	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabConvergeAgreesWithPlanAndApply: a run's Converge (one command
// where the path does not exist yet) does what Plan and Apply do.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	fdtest.Converge(t, New(), []fdtest.ConvergeCase{
		{Name: "new directory with owner and mode", Args: `path = "%D/d"
state = "directory"
owner = "nobody"
group = "nogroup"
mode = "0750"`, Change: true},
		{Name: "new directories with their parents", Args: `path = "%D/a/b/c"
state = "directory"`, Change: true},
		{Name: "directory already as wanted", Setup: `mkdir -m 0750 d`, Args: `path = "%D/d"
state = "directory"
mode = "0750"`},
		{Name: "directory with another mode", Setup: `mkdir -m 0700 d`, Args: `path = "%D/d"
state = "directory"
mode = "0755"`, Change: true},
		{Name: "new empty file", Args: `path = "%D/f"
state = "touch"
mode = "0600"`, Change: true},
		{Name: "new link", Args: `path = "%D/ln"
state = "link"
src = "/etc/hostname"`, Change: true},
		{Name: "link to elsewhere", Setup: `ln -s /etc/passwd ln`, Args: `path = "%D/ln"
state = "link"
src = "/etc/hostname"`, Change: true},
		{Name: "a file where a directory is wanted", Setup: `touch d`, Args: `path = "%D/d"
state = "directory"`, Err: "exists and is a file, not a directory"},
		{Name: "an owner the host does not have", Args: `path = "%D/d"
state = "directory"
owner = "rb-no-such-user"`, Err: "rb-no-such-user"},
		{Name: "a file in a directory that does not exist", Args: `path = "%D/no/f"
state = "touch"`, Err: "does not exist"},
		{Name: "absent plans as usual", Setup: `touch f`, Args: `path = "%D/f"
state = "absent"`, Change: true},
	})
}
