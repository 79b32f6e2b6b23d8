package mysqlx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/transport"
)

// runClient runs the statements with the mysql client on the host. The
// script goes on stdin; after each statement a SELECT ROW_COUNT() with a
// marker column tells which result sets belong to which statement.
func runClient(ctx context.Context, conn transport.Conn, t *Target, stmts []string, readOnly bool) ([]*Result, error) {
	nonce := make([]byte, 6)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	marker := "runbook_row_count_" + hex.EncodeToString(nonce)
	var script strings.Builder
	if readOnly {
		script.WriteString("SET SESSION TRANSACTION READ ONLY;\n")
	}
	for _, s := range stmts {
		// The newline before ';' ends a trailing "-- comment".
		fmt.Fprintf(&script, "%s\n;\nSELECT ROW_COUNT() AS %s;\n", s, marker)
	}

	argv := []string{"mysql"}
	cleanup := func() {}
	switch {
	case t.Password != "":
		file, done, err := optionFile(ctx, conn, t)
		if err != nil {
			return nil, err
		}
		cleanup = done
		argv = append(argv, "--defaults-extra-file="+file)
	case t.DefaultsFile != "":
		argv = append(argv, "--defaults-extra-file="+t.DefaultsFile)
	}
	defer cleanup()
	argv = append(argv, "--xml", "--batch", "--default-character-set=utf8mb4", "--connect-timeout="+strconv.Itoa(int(t.Timeout.Seconds()+0.999)))
	if t.Host != "" {
		argv = append(argv, "--host="+t.Host)
	}
	if t.Port != 0 {
		argv = append(argv, "--port="+strconv.Itoa(t.Port))
	}
	if t.Socket != "" {
		argv = append(argv, "--socket="+t.Socket)
	}
	if t.User != "" {
		argv = append(argv, "--user="+t.User)
	}
	if t.Database != "" {
		argv = append(argv, "--database="+t.Database)
	}
	if t.TLS != "" {
		opts, err := clientTLS(ctx, conn, t)
		if err != nil {
			return nil, err
		}
		argv = append(argv, opts...)
	}

	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv, Stdin: strings.NewReader(script.String()), Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, clientMissing(t)
		}
		return nil, err
	}
	if res.RC != 0 {
		if se := parseClientError(res.Stderr, t.Server()); se != nil {
			return nil, se
		}
		if res.RC == 127 {
			return nil, clientMissing(t)
		}
		return nil, &module.CommandError{Argv: argv[:1], RC: res.RC, Stderr: string(res.Stderr), Msg: "mysql " + t.Server()}
	}
	sets, err := parseXML(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", t.Server(), err)
	}
	var results []*Result
	cur := &Result{}
	for _, rs := range sets {
		if len(rs.Columns) == 1 && rs.Columns[0] == marker && len(rs.Rows) == 1 && rs.Rows[0][0] != nil {
			cur.RowsAffected, _ = strconv.ParseInt(*rs.Rows[0][0], 10, 64)
			results = append(results, cur)
			cur = &Result{}
			continue
		}
		// A statement with several result sets (CALL) keeps the last.
		*cur = Result{Columns: rs.Columns, Rows: rs.Rows}
	}
	if len(results) != len(stmts) {
		return nil, fmt.Errorf("mysql %s: got results for %d of %d statements", t.Server(), len(results), len(stmts))
	}
	return results, nil
}

func clientMissing(t *Target) error {
	return fmt.Errorf("the mysql client is not installed on %s (install mariadb-client or default-mysql-client, or use from = \"control\")", t.HostName)
}

// optionFile writes the password (and an !include of defaults_file) into
// an option file, 0600 in a fresh 0700 directory on the host, and returns
// its path and a func that removes the directory.
func optionFile(ctx context.Context, conn transport.Conn, t *Target) (string, func(), error) {
	argv := []string{"mktemp", "-d", "/tmp/runbook-mysql.XXXXXXXX"}
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: argv})
	if err != nil {
		return "", nil, err
	}
	if res.RC != 0 {
		return "", nil, &module.CommandError{Argv: argv, RC: res.RC, Stderr: string(res.Stderr), Msg: "making a private directory for the mysql option file on " + t.HostName}
	}
	dir := strings.TrimSpace(string(res.Stdout))
	done := func() {
		// Also when ctx was cancelled: the password must not stay behind.
		_, _ = conn.Exec(context.WithoutCancel(ctx), &transport.Cmd{Argv: []string{"rm", "-rf", "--", dir}})
	}
	var b bytes.Buffer
	if t.DefaultsFile != "" {
		fmt.Fprintf(&b, "!include %s\n", t.DefaultsFile)
	}
	fmt.Fprintf(&b, "[client]\npassword=%s\n", optionValue(t.Password))
	file := dir + "/client.cnf"
	if err := conn.Upload(ctx, &b, file, 0o600); err != nil {
		done()
		return "", nil, fmt.Errorf("writing the mysql option file on %s: %w", t.HostName, err)
	}
	return file, done, nil
}

// clientTLS returns the TLS options for the host's client, which differ
// between MariaDB's and MySQL's.
func clientTLS(ctx context.Context, conn transport.Conn, t *Target) ([]string, error) {
	res, err := conn.Exec(ctx, &transport.Cmd{Argv: []string{"mysql", "--version"}})
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, clientMissing(t)
		}
		return nil, err
	}
	if res.RC == 127 {
		return nil, clientMissing(t)
	}
	var opts []string
	if strings.Contains(string(res.Stdout), "MariaDB") {
		switch t.TLS {
		case "false":
			opts = []string{"--skip-ssl"}
		case "true":
			opts = []string{"--ssl", "--ssl-verify-server-cert"}
		default:
			opts = []string{"--ssl"}
		}
	} else {
		mode := map[string]string{"false": "DISABLED", "true": "VERIFY_IDENTITY", "skip-verify": "REQUIRED", "preferred": "PREFERRED"}[t.TLS]
		opts = []string{"--ssl-mode=" + mode}
	}
	if t.TLSCA != "" {
		opts = append(opts, "--ssl-ca="+t.TLSCA)
	}
	return opts, nil
}
