// Package mysqlxtest lets tests reach the lab's MariaDB (lab/mariadb/up.sh):
// it reads $RUNBOOK_LAB_DIR/mariadb/env (default /tmp/runbook-lab) and makes
// throwaway databases the lab's user owns (rbtest_*). Without the lab a test
// is skipped, unless RUNBOOK_LAB_REQUIRED=1 (CI), when it fails.
//
// It is imported by tests only.
package mysqlxtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Lab is the lab server's address and credentials.
type Lab struct {
	Host     string
	Port     int
	User     string
	Password string
	Socket   string
}

// Dir returns the lab directory.
func Dir() string {
	if d := os.Getenv("RUNBOOK_LAB_DIR"); d != "" {
		return d
	}
	return "/tmp/runbook-lab"
}

// Server returns the lab's MariaDB, after checking that it answers.
func Server(t testing.TB) *Lab {
	t.Helper()
	path := filepath.Join(Dir(), "mariadb", "env")
	env, err := readEnv(path)
	if err != nil {
		absent(t, "lab MariaDB env %s: %v (run lab/mariadb/up.sh)", path, err)
	}
	pw, err := os.ReadFile(env["LAB_MYSQL_PASSWORD_FILE"])
	if err != nil {
		absent(t, "lab MariaDB password: %v (run lab/mariadb/up.sh)", err)
	}
	port, _ := strconv.Atoi(env["LAB_MYSQL_PORT"])
	l := &Lab{Host: env["LAB_MYSQL_HOST"], Port: port, User: env["LAB_MYSQL_USER"], Password: strings.TrimSpace(string(pw)), Socket: env["LAB_MYSQL_SOCKET"]}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(l.Host, strconv.Itoa(l.Port)), 2*time.Second)
	if err != nil {
		absent(t, "lab MariaDB at %s:%d does not answer: %v (run lab/mariadb/up.sh)", l.Host, l.Port, err)
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

func absent(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("RUNBOOK_LAB_REQUIRED") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = strings.Trim(v, `"'`)
		}
	}
	return env, sc.Err()
}
