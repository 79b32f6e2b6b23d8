package mysql_checksum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx"
)

// table is one table's figures.
type table struct {
	name     string
	rows     int64
	checksum string
}

// snapshot reads the database's tables, counts and checksums, all in
// read-only sessions.
func snapshot(ctx context.Context, req *module.Request) (string, []table, error) {
	t, err := mysqlx.TargetFrom(req)
	if err != nil {
		return "", nil, err
	}
	db := t.Database
	if db == "" {
		return "", nil, errors.New("database is required: the database whose tables to checksum")
	}
	want := mysqlx.Strings(req.Args, "tables")
	exclude := map[string]bool{}
	for _, x := range mysqlx.Strings(req.Args, "exclude") {
		exclude[x] = true
	}
	t.Database = "" // the database may not exist: say so ourselves

	lit := mysqlx.Literal(db)
	rs, err := mysqlx.Run(ctx, req.Conn, t, []string{
		"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + lit,
		"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + lit + " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
	}, true)
	if err != nil {
		return "", nil, err
	}
	if len(rs[0].Rows) == 0 {
		return "", nil, module.NotYet(fmt.Errorf("database %s not found on %s", db, t.Server()))
	}
	exists := map[string]bool{}
	var all []string
	for _, row := range rs[1].Rows {
		if row[0] != nil {
			exists[*row[0]] = true
			all = append(all, *row[0])
		}
	}
	names := all
	if want != nil {
		names = nil
		var missing []string
		for _, n := range want {
			if !exists[n] {
				missing = append(missing, n)
			}
			names = append(names, n)
		}
		if len(missing) > 0 {
			return "", nil, module.NotYet(fmt.Errorf("table %s not found in database %s on %s", strings.Join(missing, ", "), db, t.Server()))
		}
	}
	var kept []string
	for _, n := range names {
		if !exclude[n] {
			kept = append(kept, n)
		}
	}
	names = dedupe(kept)
	if len(names) == 0 {
		return db, nil, nil
	}

	var counts, sums []string
	for _, n := range names {
		q := mysqlx.Ident(db) + "." + mysqlx.Ident(n)
		counts = append(counts, "SELECT "+mysqlx.Literal(n)+" AS t, COUNT(*) AS n FROM "+q)
		sums = append(sums, q)
	}
	rs, err = mysqlx.Run(ctx, req.Conn, t, []string{
		strings.Join(counts, " UNION ALL "),
		"CHECKSUM TABLE " + strings.Join(sums, ", ") + " EXTENDED",
	}, true)
	if err != nil {
		return "", nil, err
	}
	if len(rs[0].Rows) != len(names) || len(rs[1].Rows) != len(names) {
		return "", nil, fmt.Errorf("database %s on %s: %d counts and %d checksums for %d tables", db, t.Server(), len(rs[0].Rows), len(rs[1].Rows), len(names))
	}
	count := map[string]*string{}
	for _, row := range rs[0].Rows {
		if len(row) == 2 && row[0] != nil {
			count[*row[0]] = row[1]
		}
	}
	sum := map[string]*string{} // CHECKSUM TABLE names a table "db.table"
	for _, row := range rs[1].Rows {
		if len(row) == 2 && row[0] != nil {
			sum[*row[0]] = row[1]
		}
	}
	tables := make([]table, len(names))
	for i, n := range names {
		tables[i].name = n
		c, s := count[n], sum[db+"."+n]
		if c == nil || s == nil {
			// NULL: the table vanished in between.
			return "", nil, fmt.Errorf("table %s.%s on %s: no row count or checksum (was it dropped meanwhile?)", db, n, t.Server())
		}
		tables[i].rows, _ = strconv.ParseInt(*c, 10, 64)
		tables[i].checksum = *s
	}
	return db, tables, nil
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// outputs builds the task outputs; checksum is a sha256 over every table's
// name, row count and checksum, sorted by name, for a one-line compare.
func outputs(db string, tables []table) cty.Value {
	sort.Slice(tables, func(i, j int) bool { return tables[i].name < tables[j].name })
	h := sha256.New()
	m := map[string]cty.Value{}
	var total int64
	for _, tb := range tables {
		fmt.Fprintf(h, "%s\t%d\t%s\n", tb.name, tb.rows, tb.checksum)
		total += tb.rows
		m[tb.name] = cty.ObjectVal(map[string]cty.Value{
			"rows":     cty.NumberIntVal(tb.rows),
			"checksum": cty.StringVal(tb.checksum),
		})
	}
	tv := cty.MapValEmpty(tableType)
	if len(m) > 0 {
		tv = cty.MapVal(m)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"database":   cty.StringVal(db),
		"tables":     tv,
		"total_rows": cty.NumberIntVal(total),
		"checksum":   cty.StringVal(hex.EncodeToString(h.Sum(nil))),
	})
}

// Plan reads the figures; it is always a no-op.
func (*Module) Plan(ctx context.Context, req *module.PlanRequest) *module.PlanResponse {
	db, tables, err := snapshot(ctx, &req.Request)
	if err != nil {
		return &module.PlanResponse{Err: err}
	}
	var total int64
	for _, tb := range tables {
		total += tb.rows
	}
	return &module.PlanResponse{
		Action:  module.NoOp,
		Reason:  fmt.Sprintf("%s: %d tables, %d rows", db, len(tables), total),
		Outputs: outputs(db, tables),
	}
}

// Apply is never called for a no-op plan; if it is, it reads again.
func (*Module) Apply(ctx context.Context, req *module.ApplyRequest) *module.ApplyResponse {
	db, tables, err := snapshot(ctx, &req.Request)
	if err != nil {
		return &module.ApplyResponse{Err: err}
	}
	return &module.ApplyResponse{Outputs: outputs(db, tables)}
}
