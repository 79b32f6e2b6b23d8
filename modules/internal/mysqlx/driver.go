package mysqlx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/go-sql-driver/mysql"
)

type nopLogger struct{}

func (nopLogger) Print(...any) {}

// driverConfig builds the go-sql-driver configuration for t.
func driverConfig(t *Target) (*mysql.Config, error) {
	cfg := mysql.NewConfig()
	cfg.User = t.User
	if cfg.User == "" {
		cfg.User = "root"
	}
	cfg.Passwd = t.Password
	cfg.DBName = t.Database
	cfg.Timeout = t.Timeout
	cfg.Logger = nopLogger{}
	if t.Socket != "" {
		cfg.Net, cfg.Addr = "unix", t.Socket
	} else {
		host, port := t.Host, t.Port
		if host == "" {
			host = "127.0.0.1"
		}
		if port == 0 {
			port = 3306
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, strconv.Itoa(port))
	}
	switch {
	case t.TLSCA != "":
		pem, err := os.ReadFile(t.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("tls_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls_ca %s: no PEM certificate in it", t.TLSCA)
		}
		cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	case t.TLS != "":
		cfg.TLSConfig = t.TLS
	}
	return cfg, nil
}

// runDriver runs the statements from the control node on one connection.
func runDriver(ctx context.Context, t *Target, stmts []string, readOnly bool) ([]*Result, error) {
	cfg, err := driverConfig(t)
	if err != nil {
		return nil, err
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", t.Server(), err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, sqlError(err, t, "connecting")
	}
	defer c.Close()
	if readOnly {
		if _, err := c.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
			return nil, sqlError(err, t, "")
		}
	}
	var results []*Result
	for _, stmt := range stmts {
		r, err := queryDriver(ctx, c, stmt)
		if err != nil {
			return nil, sqlError(err, t, "")
		}
		if err := c.QueryRowContext(ctx, "SELECT ROW_COUNT()").Scan(&r.RowsAffected); err != nil {
			return nil, sqlError(err, t, "")
		}
		results = append(results, r)
	}
	return results, nil
}

func queryDriver(ctx context.Context, c *sql.Conn, stmt string) (*Result, error) {
	rows, err := c.QueryContext(ctx, stmt)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r := &Result{}
	if r.Columns, err = rows.Columns(); err != nil {
		return nil, err
	}
	for rows.Next() {
		vals := make([]sql.NullString, len(r.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, len(vals))
		for i, v := range vals {
			if v.Valid {
				s := v.String
				row[i] = &s
			}
		}
		r.Rows = append(r.Rows, row)
	}
	return r, rows.Err()
}

// sqlError turns a driver error into a *SQLError when the server sent one,
// else names the server.
func sqlError(err error, t *Target, doing string) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		state := string(me.SQLState[:])
		if me.SQLState == ([5]byte{}) {
			state = ""
		}
		return &SQLError{Number: int(me.Number), SQLState: state, Message: me.Message, Server: t.Server()}
	}
	if doing != "" {
		return fmt.Errorf("mysql %s: %s: %w", t.Server(), doing, err)
	}
	return fmt.Errorf("mysql %s: %w", t.Server(), err)
}
