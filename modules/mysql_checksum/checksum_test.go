package mysql_checksum

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/engine/module/moduletest"
	"github.com/runbook-dev/runbook/engine/transport/local"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx/mysqlxtest"
)

const setup = `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40), note TEXT NULL);
INSERT INTO users VALUES (1, 'ann', NULL), (2, 'bob', 'x'), (3, 'cy', 'y');
CREATE TABLE ` + "`odd.name-table`" + ` (k VARCHAR(10) PRIMARY KEY, v BLOB);
INSERT INTO ` + "`odd.name-table`" + ` VALUES ('a', 'aa'), ('b', NULL);
CREATE TABLE empty_t (id INT);
CREATE VIEW v_users AS SELECT id FROM users`

func plan(t *testing.T, l *mysqlxtest.Lab, from, db, extra string) *module.PlanResponse {
	t.Helper()
	m := New()
	src := l.HCL(from) + "database = \"" + db + "\"\n" + extra
	return moduletest.Plan(t, m, moduletest.Request(moduletest.Args(t, m, src), local.New("h1"), "h1"))
}

func num(v cty.Value) int64 {
	i, _ := v.AsBigFloat().Int64()
	return i
}

func TestLab(t *testing.T) {
	l := mysqlxtest.Server(t)
	for _, from := range []string{"host", "control"} {
		t.Run(from, func(t *testing.T) {
			a := l.Database(t, setup)
			b := l.Database(t, setup)
			pa := plan(t, l, from, a, "")
			pb := plan(t, l, from, b, "")
			for _, p := range []*module.PlanResponse{pa, pb} {
				if p.Err != nil || p.Action != module.NoOp {
					t.Fatalf("plan: %v %v", p.Err, p.Action)
				}
			}
			out := pa.Outputs
			if !out.Type().Equals(New().Schema().Outputs) {
				t.Errorf("outputs type %#v does not match the schema", out.Type())
			}
			tables := out.GetAttr("tables")
			if tables.LengthInt() != 3 { // the view is not a table
				t.Fatalf("tables: %#v", tables)
			}
			if num(tables.Index(cty.StringVal("users")).GetAttr("rows")) != 3 ||
				num(tables.Index(cty.StringVal("odd.name-table")).GetAttr("rows")) != 2 ||
				num(tables.Index(cty.StringVal("empty_t")).GetAttr("rows")) != 0 || num(out.GetAttr("total_rows")) != 5 {
				t.Errorf("counts: %#v", out)
			}
			// Same data, same figures: equal outputs but for the name.
			if !tables.RawEquals(pb.Outputs.GetAttr("tables")) || out.GetAttr("checksum").AsString() != pb.Outputs.GetAttr("checksum").AsString() {
				t.Errorf("identical databases differ:\n%#v\n%#v", tables, pb.Outputs.GetAttr("tables"))
			}

			// One changed value in b: its table's checksum and the total differ, nothing else.
			if _, err := l.DB(t, b).Exec("UPDATE users SET name = 'bobby' WHERE id = 2"); err != nil {
				t.Fatal(err)
			}
			pb = plan(t, l, from, b, "")
			tb := pb.Outputs.GetAttr("tables")
			if tb.Index(cty.StringVal("users")).GetAttr("checksum").AsString() == tables.Index(cty.StringVal("users")).GetAttr("checksum").AsString() {
				t.Error("a changed row did not change the users checksum")
			}
			if num(tb.Index(cty.StringVal("users")).GetAttr("rows")) != 3 {
				t.Error("row count changed with an update")
			}
			if !tb.Index(cty.StringVal("odd.name-table")).RawEquals(tables.Index(cty.StringVal("odd.name-table"))) {
				t.Error("an untouched table's figures changed")
			}
			if pb.Outputs.GetAttr("checksum").AsString() == out.GetAttr("checksum").AsString() {
				t.Error("the overall checksum did not change")
			}

			// tables and exclude.
			p := plan(t, l, from, a, `tables = ["users", "empty_t"]
			exclude = ["empty_t"]`)
			if p.Err != nil || p.Outputs.GetAttr("tables").LengthInt() != 1 || num(p.Outputs.GetAttr("total_rows")) != 3 {
				t.Errorf("tables+exclude: %v %#v", p.Err, p.Outputs)
			}

			// Errors.
			for _, tc := range []struct{ db, extra, want string }{
				{"rbtest_nope_db", "", "database rbtest_nope_db not found on 127.0.0.1:"},
				{a, `tables = ["users", "ghost", "v_users"]`, "table ghost, v_users not found in database " + a},
				{"", "", "database is required"},
			} {
				p := plan(t, l, from, tc.db, tc.extra)
				if p.Err == nil || !strings.Contains(p.Err.Error(), tc.want) {
					t.Errorf("%s %s: err %v, want %q", tc.db, tc.extra, p.Err, tc.want)
				}
			}
		})
	}
}

// TestLabEmptyDatabase: no tables is fine.
func TestLabEmptyDatabase(t *testing.T) {
	l := mysqlxtest.Server(t)
	p := plan(t, l, "control", l.Database(t, ""), "")
	if p.Err != nil || p.Outputs.GetAttr("tables").LengthInt() != 0 || num(p.Outputs.GetAttr("total_rows")) != 0 {
		t.Errorf("%v %#v", p.Err, p.Outputs)
	}
}

// TestLabWrongPassword: the server's error, without the password.
func TestLabWrongPassword(t *testing.T) {
	l := mysqlxtest.Server(t)
	bad := *l
	bad.Password = "not-the-password"
	for _, from := range []string{"host", "control"} {
		p := plan(t, &bad, from, "rbtest_x", "")
		if p.Err == nil || !strings.Contains(p.Err.Error(), "ERROR 1045 (28000)") || strings.Contains(p.Err.Error(), "not-the-password") {
			t.Errorf("%s: %v", from, p.Err)
		}
	}
}
