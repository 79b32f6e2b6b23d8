package mysql_query

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx/mysqlxtest"
)

func TestFirstKeyword(t *testing.T) {
	for in, want := range map[string]string{
		"select 1":                             "SELECT",
		"  /* hint */ SHOW TABLES":             "SHOW",
		"-- c\n# d\nupdate t set a=1":          "UPDATE",
		"(SELECT 1) UNION (SELECT 2)":          "SELECT",
		"WITH x AS (SELECT 1) SELECT * FROM x": "WITH",
		"":                                     "",
	} {
		if got := firstKeyword(in); got != want {
			t.Errorf("firstKeyword(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseArgs(t *testing.T) {
	m := New()
	tests := []struct {
		src      string
		readOnly bool
		wantErr  string
	}{
		{`sql = "SELECT 1"`, true, ""},
		{`sql = "select * from t into outfile '/tmp/x'"`, false, ""},
		{`sql = "INSERT INTO t VALUES (1)"`, false, ""},
		{`sql = "CALL report()"
		  changes = false`, true, ""},
		{`sql = "SELECT 1"
		  changes = true`, false, ""},
		{`sql = " ; "`, false, "sql is empty"},
		{`sql = "SELECT 1"
		  unless = "SELECT 1"`, false, "unless guards a statement that writes"},
		{`sql = "SELECT 1"
		  from = "elsewhere"`, false, `from = "elsewhere": must be host or control`},
		{`sql = "SELECT 1"
		  login_port = 70000`, false, "login_port = 70000: must be a port number"},
		{`sql = "SELECT 1"
		  tls = "maybe"`, false, `tls = "maybe"`},
		{`sql = "SELECT 1"
		  from = "control"
		  defaults_file = "/etc/mysql/debian.cnf"`, false, "defaults_file is read by the mysql client on the host"},
	}
	for _, tt := range tests {
		req := moduletest.Request(moduletest.Args(t, m, tt.src), nil, "")
		q, err := parse(&req)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err %v, want %q", tt.src, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if q.readOnly != tt.readOnly {
			t.Errorf("%s: readOnly %v", tt.src, q.readOnly)
		}
	}
}

// tableState is what a plan must not change: the table's rows and checksum.
func tableState(t *testing.T, l *mysqlxtest.Lab, db string) string {
	t.Helper()
	var b strings.Builder
	rows, err := l.DB(t, db).Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		var tn string
		var sum *int64
		if err := l.DB(t, db).QueryRow("CHECKSUM TABLE `"+n+"` EXTENDED").Scan(&tn, &sum); err != nil {
			t.Fatal(err)
		}
		b.WriteString(tn)
		if sum != nil {
			fmt.Fprintf(&b, " %d", *sum)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestLab(t *testing.T) {
	l := mysqlxtest.Server(t)
	conn := local.New("h1")
	m := New()
	for _, from := range []string{"host", "control"} {
		t.Run(from, func(t *testing.T) {
			db := l.Database(t, "CREATE TABLE ds (id INT PRIMARY KEY, name VARCHAR(20), active TINYINT NULL); INSERT INTO ds VALUES (1, '5.7.29', 1), (2, '5.7.30', 0)")
			conf := l.HCL(from) + "database = \"" + db + "\"\n"
			req := func(src string) module.Request {
				return moduletest.Request(moduletest.Args(t, m, conf+src), conn, "h1")
			}
			before := tableState(t, l, db)

			// A read runs at plan time and publishes its rows.
			p := moduletest.Plan(t, m, req(`sql = "SELECT id, name, active FROM ds ORDER BY id"`))
			if p.Err != nil || p.Action != module.NoOp {
				t.Fatalf("select plan: %v %v", p.Err, p.Action)
			}
			if !p.Outputs.Type().Equals(m.Schema().Outputs) {
				t.Errorf("outputs type %#v does not match the schema", p.Outputs.Type())
			}
			rows := p.Outputs.GetAttr("rows")
			if rows.LengthInt() != 2 || rows.Index(cty.NumberIntVal(1)).Index(cty.StringVal("name")).AsString() != "5.7.30" ||
				p.Outputs.GetAttr("columns").LengthInt() != 3 || !p.Outputs.GetAttr("rows_affected").RawEquals(cty.NumberIntVal(-1)) {
				t.Errorf("select outputs %#v", p.Outputs)
			}

			// Writes never run at plan time.
			activate := `sql = "UPDATE ds SET active = 1 WHERE name = '5.7.30'"
			unless = "SELECT active FROM ds WHERE name = '5.7.30'"`
			p = moduletest.Plan(t, m, req(activate))
			if p.Err != nil || p.Action != module.Change || p.Diff == nil || p.Diff.Items[0].After != "UPDATE ds SET active = 1 WHERE name = '5.7.30'" {
				t.Fatalf("guarded update plan: %v %v %+v", p.Err, p.Action, p.Diff)
			}
			p = moduletest.Plan(t, m, req(`sql = "INSERT INTO ds VALUES (3, 'x', 0)"`))
			if p.Err != nil || p.Action != module.Unpredictable {
				t.Fatalf("insert plan: %v %v", p.Err, p.Action)
			}
			p = moduletest.Plan(t, m, req(`sql = "INSERT INTO ds VALUES (3, 'x', 0)"
			changes = false`))
			if p.Err == nil || !strings.Contains(p.Err.Error(), "ERROR 1792") || !strings.Contains(p.Err.Error(), "not a plain read") {
				t.Fatalf("insert declared read-only: %v", p.Err)
			}
			if after := tableState(t, l, db); after != before {
				t.Fatalf("plans changed the table:\n%s\n%s", before, after)
			}

			// A run applies; the second run's plan is a no-op.
			_, a := moduletest.Run(t, m, req(activate))
			if a == nil || a.Err != nil || !a.Changed || !a.Outputs.GetAttr("rows_affected").RawEquals(cty.NumberIntVal(1)) {
				t.Fatalf("apply: %+v", a)
			}
			if p := moduletest.Plan(t, m, req(activate)); p.Err != nil || p.Action != module.NoOp {
				t.Errorf("second plan: %v %v %s", p.Err, p.Action, p.Reason)
			}
			// An update that matches nothing did not change anything.
			_, a = moduletest.Run(t, m, req(`sql = "UPDATE ds SET active = 1 WHERE name = 'none'"`))
			if a == nil || a.Err != nil || a.Changed {
				t.Errorf("no-match update: %+v", a)
			}
			// DDL changes.
			_, a = moduletest.Run(t, m, req(`sql = "CREATE TABLE t2 (id INT)"`))
			if a == nil || a.Err != nil || !a.Changed {
				t.Errorf("create table: %+v", a)
			}

			// Errors carry the server's number and message.
			p = moduletest.Plan(t, m, req(`sql = "SELECT * FROM nope"`))
			if p.Err == nil || !strings.Contains(p.Err.Error(), "ERROR 1146 (42S02)") || !strings.Contains(p.Err.Error(), "nope' doesn't exist") {
				t.Errorf("missing table: %v", p.Err)
			}
			_, a = moduletest.Run(t, m, req(`sql = "INSERT INTO ds VALUES (1, 'dup', 0)"`))
			if a == nil || a.Err == nil || !strings.Contains(a.Err.Error(), "ERROR 1062 (23000): Duplicate entry '1'") {
				t.Errorf("duplicate: %+v", a)
			}
		})
	}
}

// TestLabSensitive: a sensitive statement is not shown in the plan.
func TestLabSensitive(t *testing.T) {
	l := mysqlxtest.Server(t)
	m := New()
	db := l.Database(t, "CREATE TABLE s (v VARCHAR(20))")
	req := moduletest.Request(moduletest.Args(t, m, l.HCL("control")+"database = \""+db+"\"\n"+`sql = "INSERT INTO s VALUES ('hunter2')"`), nil, "h1")
	req.Sensitive = []cty.Path{cty.GetAttrPath("sql")}
	p := m.Plan(context.Background(), &module.PlanRequest{Request: req})
	if p.Err != nil || strings.Contains(p.Reason, "hunter2") || p.Reason != "would run: (sensitive)" || !p.Diff.Items[0].Sensitive {
		t.Errorf("plan: %v %q %+v", p.Err, p.Reason, p.Diff)
	}
}
