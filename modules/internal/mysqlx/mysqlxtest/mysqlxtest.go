// Package mysqlxtest lets tests reach the lab's MariaDB (lab/mariadb/up.sh):
// it reads the lab's mariadb/env (internal/labdir: only when lab tests are asked for) and makes
// throwaway databases the lab's user owns (rbtest_*). Without the lab a test
// is skipped, unless RUNBOOK_LAB_REQUIRED=1 (CI), when it fails.
//
// It is imported by tests only.
package mysqlxtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/runbook-dev/runbook/internal/labdir"
)

// Lab is the lab server's address and credentials.
type Lab struct {
	Host     string
	Port     int
	User     string
	Password string
	Socket   string
}

// Dir returns the lab directory (internal/labdir).
func Dir() string { return labdir.Dir() }

// Server returns the lab's MariaDB, after checking that it answers.
func Server(t testing.TB) *Lab {
	t.Helper()
	env := labdir.Env(t, "mariadb")
	pw, err := os.ReadFile(env["LAB_MYSQL_PASSWORD_FILE"])
	if err != nil {
		labdir.Absent(t, "lab MariaDB password: %v (run lab/mariadb/up.sh)", err)
	}
	port, _ := strconv.Atoi(env["LAB_MYSQL_PORT"])
	l := &Lab{Host: env["LAB_MYSQL_HOST"], Port: port, User: env["LAB_MYSQL_USER"], Password: strings.TrimSpace(string(pw)), Socket: env["LAB_MYSQL_SOCKET"]}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(l.Host, strconv.Itoa(l.Port)), 2*time.Second)
	if err != nil {
		labdir.Absent(t, "lab MariaDB at %s:%d does not answer: %v (run lab/mariadb/up.sh)", l.Host, l.Port, err)
	}
	c.Close()
	return l
}

// DB opens a connection pool to the lab server (database may be empty).
func (l *Lab) DB(t testing.TB, database string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net = l.User, l.Password, "tcp"
	cfg.Addr = net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
	cfg.DBName = database
	cfg.MultiStatements = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db
}

// Database creates an empty database rbtest_<random>, runs setup in it
// (statements separated by ';'), and drops it when the test ends.
func (l *Lab) Database(t testing.TB, setup string) string {
	t.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "rbtest_" + hex.EncodeToString(b)
	admin := l.DB(t, "")
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`") })
	if strings.TrimSpace(setup) != "" {
		if _, err := l.DB(t, name).ExecContext(ctx, setup); err != nil {
			t.Fatalf("setting up %s: %v", name, err)
		}
	}
	return name
}

// HCL returns the connection arguments of a module block for the lab,
// from = "host" or "control".
func (l *Lab) HCL(from string) string {
	return "from = \"" + from + "\"\n" +
		"login_host = \"" + l.Host + "\"\n" +
		"login_port = " + strconv.Itoa(l.Port) + "\n" +
		"login_user = \"" + l.User + "\"\n" +
		"login_password = \"" + l.Password + "\"\n"
}
