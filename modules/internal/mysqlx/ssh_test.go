package mysqlx

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/runbook-dev/runbook/engine/transport"
	"github.com/runbook-dev/runbook/internal/labtest"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx/mysqlxtest"
)

// sshLabHost connects to a loopback host of lab/ssh (an sshd in this
// machine's own network namespace, so the lab MariaDB on 127.0.0.1 is
// reachable from it).
func sshLabHost(t *testing.T) transport.Conn {
	t.Helper()
	return labtest.SSHLoopbackConn(t)
}

// TestRunOverSSH runs through a real SSH host: the option file goes up
// over SFTP, the script over stdin, and nothing is left behind.
func TestRunOverSSH(t *testing.T) {
	l := mysqlxtest.Server(t)
	conn := sshLabHost(t)
	ctx := context.Background()
	leftovers := func() string {
		res, err := conn.Exec(ctx, &transport.Cmd{Argv: []string{"sh", "-c", "ls -d /tmp/runbook-mysql.* 2>/dev/null | sort"}})
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Stdout)
	}
	before := leftovers()
	db := l.Database(t, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT) CHARACTER SET utf8mb4")
	tg := labTarget(l, "host", db)
	tg.HostName = "h01"
	odd := "it's \"x\" $(id) `id` ünï"
	rs, err := Run(ctx, conn, tg, []string{"INSERT INTO t VALUES (1, " + Literal(odd) + ")", "SELECT v FROM t"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].RowsAffected != 1 || str(rs[1].Rows[0][0]) != odd {
		t.Errorf("results %+v %q", rs[0], str(rs[1].Rows[0][0]))
	}
	_, err = One(ctx, conn, tg, "SELECT * FROM nope", true)
	var se *SQLError
	if !errors.As(err, &se) || se.Number != 1146 || !strings.Contains(err.Error(), "via h01") {
		t.Errorf("error over SSH: %v", err)
	}
	if after := leftovers(); after != before {
		t.Errorf("option files left on the host: %q", after)
	}
}
