package mysql_query

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx"
)

// query is the decoded arguments.
type query struct {
	target    *mysqlx.Target
	sql       string
	show      string // the statement for messages, or "(sensitive)"
	sensitive bool
	readOnly  bool
	declared  bool // readOnly comes from `changes`, not from the keyword
	unless    string
}

// readKeywords start statements that only read.
var readKeywords = map[string]bool{"SELECT": true, "SHOW": true, "DESCRIBE": true, "DESC": true, "EXPLAIN": true, "CHECKSUM": true, "HELP": true}

// dmlKeywords start statements whose ROW_COUNT() says whether they changed
// anything.
var dmlKeywords = map[string]bool{"INSERT": true, "UPDATE": true, "DELETE": true, "REPLACE": true}

var leadingComments = regexp.MustCompile(`^(\s+|/\*.*?\*/|--[^\n]*\n|#[^\n]*\n)+`)

// firstKeyword returns the statement's first word, upper-cased, after
// comments and opening parentheses.
func firstKeyword(sql string) string {
	s := leadingComments.ReplaceAllString(sql, "")
	s = strings.TrimLeft(s, "( \t\r\n")
	end := strings.IndexFunc(s, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '_') })
	if end < 0 {
		end = len(s)
	}
	return strings.ToUpper(s[:end])
}

// writesInto catches SELECT ... INTO OUTFILE/DUMPFILE/@var, which is not a
// plain read.
var writesInto = regexp.MustCompile(`(?i)\bINTO\s+(OUTFILE|DUMPFILE|@)`)

func parse(req *module.Request) (*query, error) {
	t, err := mysqlx.TargetFrom(req)
	if err != nil {
		return nil, err
	}
	q := &query{target: t, sql: mysqlx.Str(req.Args, "sql"), unless: mysqlx.Str(req.Args, "unless")}
	if strings.TrimSpace(strings.TrimRight(strings.TrimSpace(q.sql), ";")) == "" {
		return nil, errors.New("sql is empty")
	}
	q.sensitive = req.IsSensitive("sql")
	q.show = oneLine(q.sql)
	if q.sensitive {
		q.show = "(sensitive)"
	}
	if changes, ok := mysqlx.Bool(req.Args, "changes"); ok {
		q.readOnly, q.declared = !changes, true
	} else {
		q.readOnly = readKeywords[firstKeyword(q.sql)] && !writesInto.MatchString(q.sql)
	}
	if q.unless != "" && q.readOnly {
		return nil, errors.New("unless guards a statement that writes; this one only reads (set changes = true if it writes)")
	}
	return q, nil
}

// oneLine shortens a statement for a plan line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func outputs(r *mysqlx.Result) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"rows":          r.RowsValue(),
		"columns":       r.ColumnsValue(),
		"rows_affected": cty.NumberIntVal(r.RowsAffected),
	})
}

// Plan runs a read-only statement (in a read-only session) and publishes
// its rows; for a statement that writes it only evaluates `unless`.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	q, err := parse(&req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	if q.readOnly {
		r, err := mysqlx.One(ctx, req.Conn, q.target, q.sql, true)
		if err != nil {
			var se *mysqlx.SQLError
			if errors.As(err, &se) && se.Number == mysqlx.ReadOnlyViolation {
				hint := "it is not a plain read; leave changes unset or set changes = true"
				if !q.declared {
					hint = "it is not a plain read; set changes = true"
				}
				err = fmt.Errorf("%w (%s)", err, hint)
			}
			return &module.PlanResponse{Err: err}
		}
		return &module.PlanResponse{Action: module.NoOp, Reason: fmt.Sprintf("read-only: %d rows", len(r.Rows)), Outputs: outputs(r)}
	}
	if q.unless != "" {
		r, err := mysqlx.One(ctx, req.Conn, q.target, q.unless, true)
		if err != nil {
			return &module.PlanResponse{Err: fmt.Errorf("unless: %w", err)}
		}
		if truthy(r) {
			return &module.PlanResponse{Action: module.NoOp, Reason: "unless query holds: " + oneLine(q.unless), Outputs: outputs(&mysqlx.Result{})}
		}
	}
	diff := (*module.Diff)(nil).Add(module.DiffItem{Name: "sql", BeforeAbsent: true, After: q.sql, Sensitive: q.sensitive})
	if q.unless == "" {
		return &module.PlanResponse{Action: module.Unpredictable, Reason: "would run: " + q.show, Diff: diff, Private: q}
	}
	return &module.PlanResponse{Action: module.Change, Reason: "would run: " + q.show, Diff: diff, Private: q}
}

// truthy reports whether a guard query's first row holds a first value
// that is not NULL, "", "0" or "false".
func truthy(r *mysqlx.Result) bool {
	if len(r.Rows) == 0 || len(r.Rows[0]) == 0 || r.Rows[0][0] == nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(*r.Rows[0][0])) {
	case "", "0", "false", "0.0":
		return false
	}
	return true
}

// Apply runs the statement. INSERT, UPDATE, DELETE and REPLACE report a
// change only when they affected rows; other statements (DDL, CALL,
// GRANT...) always do.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	q, ok := req.Planned.Private.(*query)
	if !ok {
		var err error
		if q, err = parse(&req.Request); err != nil {
			return &module.ApplyResponse{Err: err}
		}
	}
	r, err := mysqlx.One(ctx, req.Conn, q.target, q.sql, q.readOnly)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	changed := !q.readOnly && (!dmlKeywords[firstKeyword(q.sql)] || r.RowsAffected > 0)
	return &module.ApplyResponse{Changed: changed, Outputs: outputs(r)}
}
