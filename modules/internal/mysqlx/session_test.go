package mysqlx

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx/mysqlxtest"
)

func labTarget(l *mysqlxtest.Lab, from, db string) *Target {
	return &Target{From: from, Host: l.Host, Port: l.Port, User: l.User, Password: l.Password, Database: db, Timeout: 5 * time.Second, HostName: "h1"}
}

func str(p *string) string {
	if p == nil {
		return "NULL"
	}
	return *p
}

// TestRunBothWays runs the same statements from the control node and
// through the host's mysql client: same results, NULLs, rows affected.
func TestRunBothWays(t *testing.T) {
	l := mysqlxtest.Server(t)
	conn := local.New("h1")
	for _, from := range []string{"control", "host"} {
		t.Run(from, func(t *testing.T) {
			db := l.Database(t, "CREATE TABLE t (id INT PRIMARY KEY, name TEXT NULL) CHARACTER SET utf8mb4")
			tg := labTarget(l, from, db)
			odd := "tab\there <xml> & 'quote' \"dq\" back\\slash ünï 😀\nnewline"
			rs, err := Run(context.Background(), conn, tg, []string{
				"INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, " + Literal(odd) + ")",
				"UPDATE t SET name = 'b' WHERE id = 1;",
				"SELECT id, name FROM t ORDER BY id -- trailing comment",
				"SELECT id FROM t WHERE id > 100",
			}, false)
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].RowsAffected != 3 || rs[1].RowsAffected != 1 || rs[2].RowsAffected != -1 {
				t.Errorf("rows affected %d %d %d", rs[0].RowsAffected, rs[1].RowsAffected, rs[2].RowsAffected)
			}
			sel := rs[2]
			if strings.Join(sel.Columns, ",") != "id,name" || len(sel.Rows) != 3 {
				t.Fatalf("select: %+v", sel)
			}
			got := []string{str(sel.Rows[0][1]), str(sel.Rows[1][1]), str(sel.Rows[2][1])}
			if got[0] != "b" || got[1] != "NULL" || got[2] != odd {
				t.Errorf("values %q", got)
			}
			if len(rs[3].Rows) != 0 {
				t.Errorf("empty select: %+v", rs[3])
			}
			rows := sel.RowsValue()
			if rows.LengthInt() != 3 || !rows.Index(ctyNum(1)).Index(ctyStr("name")).IsNull() {
				t.Errorf("RowsValue: %#v", rows)
			}
		})
	}
}

// TestReadOnlySession: a write in a read-only session fails with 1792 and
// writes nothing, both ways.
func TestReadOnlySession(t *testing.T) {
	l := mysqlxtest.Server(t)
	conn := local.New("h1")
	for _, from := range []string{"control", "host"} {
		t.Run(from, func(t *testing.T) {
			db := l.Database(t, "CREATE TABLE t (id INT PRIMARY KEY)")
			tg := labTarget(l, from, db)
			for _, stmt := range []string{"INSERT INTO t VALUES (1)", "CREATE TABLE t2 (id INT)", "DROP TABLE t"} {
				_, err := One(context.Background(), conn, tg, stmt, true)
				var se *SQLError
				if !errors.As(err, &se) || se.Number != ReadOnlyViolation {
					t.Errorf("%s in a read-only session: %v", stmt, err)
				}
			}
			r, err := One(context.Background(), conn, tg, "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = "+Literal(db), true)
			if err != nil {
				t.Fatal(err)
			}
			if str(r.Rows[0][0]) != "1" {
				t.Errorf("tables now %s, want 1", str(r.Rows[0][0]))
			}
		})
	}
}

// TestErrors: the server's error number and message, bad credentials, a
// missing client.
func TestErrors(t *testing.T) {
	l := mysqlxtest.Server(t)
	conn := local.New("h1")
	for _, from := range []string{"control", "host"} {
		t.Run(from, func(t *testing.T) {
			db := l.Database(t, "")
			tg := labTarget(l, from, db)
			_, err := One(context.Background(), conn, tg, "SELECT * FROM nope", false)
			var se *SQLError
			if !errors.As(err, &se) || se.Number != 1146 || se.SQLState != "42S02" || !strings.Contains(se.Message, "nope' doesn't exist") {
				t.Fatalf("missing table: %v", err)
			}
			if !strings.Contains(err.Error(), "ERROR 1146 (42S02)") || !strings.Contains(err.Error(), "127.0.0.1:") {
				t.Errorf("message %q", err)
			}
			_, err = One(context.Background(), conn, tg, "SELEC 1", false)
			if !errors.As(err, &se) || se.Number != 1064 {
				t.Errorf("syntax error: %v", err)
			}
			bad := *tg
			bad.Password = "wrong-password"
			_, err = One(context.Background(), conn, &bad, "SELECT 1", false)
			if !errors.As(err, &se) || se.Number != 1045 {
				t.Errorf("wrong password: %v", err)
			}
			if strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("the password leaked into %q", err)
			}
		})
	}
	t.Run("no client", func(t *testing.T) {
		tg := labTarget(l, "host", "")
		bin := t.TempDir() // the tools the module needs besides mysql
		for _, tool := range []string{"mktemp", "rm"} {
			p, err := exec.LookPath(tool)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("PATH", bin)
		_, err := One(context.Background(), conn, tg, "SELECT 1", false)
		if err == nil || !strings.Contains(err.Error(), "the mysql client is not installed on h1") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestOptionFileRemoved: the password file does not outlive the command.
func TestOptionFileRemoved(t *testing.T) {
	l := mysqlxtest.Server(t)
	before, _ := filepath.Glob("/tmp/runbook-mysql.*")
	if _, err := One(context.Background(), local.New("h1"), labTarget(l, "host", ""), "SELECT 1", true); err != nil {
		t.Fatal(err)
	}
	after, _ := filepath.Glob("/tmp/runbook-mysql.*")
	if len(after) > len(before) {
		t.Errorf("left behind: %v", after)
	}
	for _, d := range after {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm() != 0o700 {
			t.Errorf("%s is %v", d, fi.Mode())
		}
	}
}

// TestLiteral round-trips awkward strings through the server, also with
// NO_BACKSLASH_ESCAPES and ANSI_QUOTES.
func TestLiteral(t *testing.T) {
	l := mysqlxtest.Server(t)
	tg := labTarget(l, "control", "")
	for _, s := range []string{"", "plain", "it's", `back\slash\'`, "x' OR '1'='1", "ünï\x00code", "`tick`"} {
		rs, err := Run(context.Background(), nil, tg, []string{
			"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'",
			"SELECT " + Literal(s) + " AS v",
		}, false)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got := str(rs[1].Rows[0][0]); got != s {
			t.Errorf("Literal(%q) came back as %q", s, got)
		}
	}
}

// BenchmarkOne measures one read-only statement each way: a connection
// from the control node, and the mysql client on the (local) host with an
// option file written and removed each time.
func BenchmarkOne(b *testing.B) {
	l := mysqlxtest.Server(b)
	conn := local.New("h1")
	for _, from := range []string{"control", "host"} {
		b.Run(from, func(b *testing.B) {
			tg := labTarget(l, from, "")
			for i := 0; i < b.N; i++ {
				if _, err := One(context.Background(), conn, tg, "SELECT 1", true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
