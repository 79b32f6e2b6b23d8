package copy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/modules/internal/filediff/fdtest"
)

// TestLabConvergeAgreesWithPlanAndApply: a run's Converge (one command
// where the file is new) does what Plan and Apply do.
func TestLabConvergeAgreesWithPlanAndApply(t *testing.T) {
	local := t.TempDir()
	if err := os.WriteFile(filepath.Join(local, "app.conf"), []byte("from src\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `src = "` + filepath.Join(local, "app.conf") + `"` + "\n"
	conn, dir := fdtest.Converge(t, New(), []fdtest.ConvergeCase{
		{Name: "new file with owner, group and mode", Args: `dest = "%D/f"
content = "hello\n"
owner = "nobody"
group = "nogroup"
mode = "0640"`, Change: true},
		{Name: "new file, default mode", Args: `dest = "%D/f"
content = "hello\n"`, Change: true},
		{Name: "already as wanted", Setup: `printf 'hello\n' > f; chmod 0640 f`, Args: `dest = "%D/f"
content = "hello\n"
mode = "0640"`},
		{Name: "other content, with a backup", Setup: `printf 'old\n' > f`, Args: `dest = "%D/f"
content = "hello\n"
backup = true`, Change: true},
		{Name: "only the mode differs", Setup: `printf 'hello\n' > f; chmod 0600 f`, Args: `dest = "%D/f"
content = "hello\n"
mode = "0644"`, Change: true},
		{Name: "into a directory", Setup: `mkdir d`, Args: src + `dest = "%D/d"`, Change: true},
		{Name: "through a dangling link", Setup: `ln -s target f`, Args: `dest = "%D/f"
content = "hello\n"`, Change: true},
		{Name: "validated", Args: `dest = "%D/f"
content = "hello\n"
validate = ["grep", "-q", "hello", "%s"]`, Change: true},
		{Name: "sensitive content", Args: `dest = "%D/f"
content = "s3cr3t\n"`, Sensitive: "content", Change: true},
		{Name: "a directory that does not exist", Args: `dest = "%D/no/f"
content = "hello\n"`, Err: "does not exist"},
		{Name: "an owner the host does not have", Args: `dest = "%D/f"
content = "hello\n"
owner = "rb-no-such-user"`, Err: "rb-no-such-user"},
		{Name: "validation fails: the old file stays", Setup: `printf 'old\n' > f`, Args: `dest = "%D/f"
content = "hello\n"
validate = ["false", "%s"]`, Err: "failed validation"},
	})
	if left := fdtest.HostExec(t, conn, "find", dir, "-name", ".*runbook*"); strings.TrimSpace(left) != "" {
		t.Errorf("staging files left behind: %s", left)
	}
}
