package mysqlx

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx/mysqlxtest"
)

// TestOddPassword logs in with a password full of characters that option
// files, shells and DSNs treat specially. It needs the lab server's root
// (unix socket auth as this machine's root) to create that user.
func TestOddPassword(t *testing.T) {
	l := mysqlxtest.Server(t)
	cnf := filepath.Join(mysqlxtest.Dir(), "mariadb", "my.cnf")
	if _, err := os.Stat(cnf); err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and the lab's my.cnf to create a user")
	}
	root := func(sql string) {
		t.Helper()
		cmd := exec.Command("mariadb", "--defaults-file="+cnf, "--protocol=socket", "-uroot")
		cmd.Stdin = strings.NewReader(sql)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("as root: %v\n%s", err, out)
		}
	}
	const user = "rbtest_odd"
	pw := `p'a"s\s#w;rd $(x) ` + "`y` ünï\t!"
	root("CREATE OR REPLACE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "';")
	t.Cleanup(func() { root("DROP USER IF EXISTS '" + user + "'@'127.0.0.1';") })
	for _, from := range []string{"host", "control"} {
		tg := labTarget(l, from, "")
		tg.User, tg.Password = user, pw
		r, err := One(context.Background(), local.New("h1"), tg, "SELECT CURRENT_USER() AS u", true)
		if err != nil {
			t.Fatalf("%s: %v", from, err)
		}
		if got := str(r.Rows[0][0]); got != user+"@127.0.0.1" {
			t.Errorf("%s: logged in as %q", from, got)
		}
	}
}
