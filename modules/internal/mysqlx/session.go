package mysqlx

import (
	"context"
	"fmt"
	"strings"

	"github.com/runbook-dev/runbook/engine/transport"
)

// Run executes stmts in order in one session on the target's server and
// returns one Result per statement. With readOnly, the session is made
// read-only first, so any write fails with error 1792 instead of writing.
//
// It stops at the first failing statement: a server error is a *SQLError.
// conn is the task host's connection, used when t.From is "host".
func Run(ctx context.Context, conn transport.Conn, t *Target, stmts []string, readOnly bool) ([]*Result, error) {
	clean := make([]string, len(stmts))
	for i, s := range stmts {
		clean[i] = trimStatement(s)
		if clean[i] == "" {
			return nil, fmt.Errorf("statement %d is empty", i+1)
		}
	}
	if t.From == "control" {
		return runDriver(ctx, t, clean, readOnly)
	}
	return runClient(ctx, conn, t, clean, readOnly)
}

// trimStatement removes surrounding space and trailing semicolons.
func trimStatement(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasSuffix(s, ";") {
		s = strings.TrimSpace(strings.TrimSuffix(s, ";"))
	}
	return s
}

// One runs a single statement (see Run).
func One(ctx context.Context, conn transport.Conn, t *Target, stmt string, readOnly bool) (*Result, error) {
	rs, err := Run(ctx, conn, t, []string{stmt}, readOnly)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}
