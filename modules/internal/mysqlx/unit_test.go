package mysqlx

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func ctyStr(s string) cty.Value { return cty.StringVal(s) }
func ctyNum(n int) cty.Value    { return cty.NumberIntVal(int64(n)) }

func TestParseClientError(t *testing.T) {
	tests := []struct {
		stderr string
		num    int
		state  string
		msg    string
	}{
		{"ERROR 1146 (42S02) at line 3: Table 'a.b' doesn't exist\n", 1146, "42S02", "Table 'a.b' doesn't exist"},
		{"--------------\nselect 1\n--------------\n\nERROR 1045 (28000): Access denied for user 'x'@'h' (using password: YES)\n", 1045, "28000", "Access denied for user 'x'@'h' (using password: YES)"},
		{"ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)\n", 2002, "HY000", "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)"},
		{"ERROR 1064 at line 1: syntax\n", 1064, "", "syntax"},
	}
	for _, tt := range tests {
		e := parseClientError([]byte(tt.stderr), "s")
		if e == nil || e.Number != tt.num || e.SQLState != tt.state || e.Message != tt.msg {
			t.Errorf("%q: %+v", tt.stderr, e)
		}
	}
	if e := parseClientError([]byte("mysql: unknown option '--foo'\n"), "s"); e != nil {
		t.Errorf("not an SQL error: %+v", e)
	}
}

func TestParseXML(t *testing.T) {
	out := `<?xml version="1.0"?>

<resultset statement="select 1 as a, NULL as b" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <row>
	<field name="a">1</field>
	<field name="b" xsi:nil="true" />
	<field name="c"></field>
	<field name="d">x	y&lt;
z</field>
  </row>
</resultset>
<?xml version="1.0"?>

<resultset statement="select 1 from dual where 0
" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></resultset>
`
	rs, err := parseXML([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || len(rs[1].Rows) != 0 {
		t.Fatalf("%d results", len(rs))
	}
	r := rs[0]
	if strings.Join(r.Columns, ",") != "a,b,c,d" || str(r.Rows[0][0]) != "1" || r.Rows[0][1] != nil || str(r.Rows[0][2]) != "" || str(r.Rows[0][3]) != "x\ty<\nz" {
		t.Errorf("%+v", r)
	}
	if _, err := parseXML([]byte(`<?xml version="1.0"?><resultset><row>`)); err == nil {
		t.Error("truncated XML parsed")
	}
}

func TestOptionValue(t *testing.T) {
	if got := optionValue(`a"b\c` + "\n"); got != `"a\"b\\c\n"` {
		t.Errorf("got %s", got)
	}
}

func TestTrimStatement(t *testing.T) {
	for in, want := range map[string]string{" SELECT 1 ; ;\n": "SELECT 1", "x": "x", " ; ": ""} {
		if got := trimStatement(in); got != want {
			t.Errorf("%q -> %q", in, got)
		}
	}
}
