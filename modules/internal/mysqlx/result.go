package mysqlx

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Result is what one statement returned.
type Result struct {
	// Columns are the result's column names; empty for a statement that
	// returns no rows. Through the host, a result without rows has no
	// column names either (the client prints none).
	Columns []string
	// Rows hold each row's values in column order; nil is SQL NULL.
	Rows [][]*string
	// RowsAffected is ROW_COUNT() right after the statement: the rows an
	// INSERT, UPDATE, DELETE or REPLACE changed, -1 after a statement that
	// returns rows, 0 after most DDL.
	RowsAffected int64
}

// RowsValue returns the rows as a list of objects (column -> string, NULL
// as null), the shape the modules publish.
func (r *Result) RowsValue() cty.Value {
	if len(r.Rows) == 0 {
		return cty.ListValEmpty(cty.Map(cty.String))
	}
	rows := make([]cty.Value, 0, len(r.Rows))
	for _, row := range r.Rows {
		m := map[string]cty.Value{}
		for i, v := range row {
			if i >= len(r.Columns) {
				break
			}
			if v == nil {
				m[r.Columns[i]] = cty.NullVal(cty.String)
			} else {
				m[r.Columns[i]] = cty.StringVal(*v)
			}
		}
		if len(m) == 0 {
			rows = append(rows, cty.MapValEmpty(cty.String))
		} else {
			rows = append(rows, cty.MapVal(m))
		}
	}
	return cty.ListVal(rows)
}

// ColumnsValue returns the column names as a list of strings.
func (r *Result) ColumnsValue() cty.Value {
	if len(r.Columns) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	cols := make([]cty.Value, len(r.Columns))
	for i, c := range r.Columns {
		cols[i] = cty.StringVal(c)
	}
	return cty.ListVal(cols)
}

// SQLError is an error the server returned for a statement.
type SQLError struct {
	Number   int    // e.g. 1146
	SQLState string // e.g. "42S02"
	Message  string // the server's message
	Server   string // which server, for the message
}

func (e *SQLError) Error() string {
	state := ""
	if e.SQLState != "" {
		state = " (" + e.SQLState + ")"
	}
	return fmt.Sprintf("mysql %s: ERROR %d%s: %s", e.Server, e.Number, state, e.Message)
}

// ReadOnlyViolation is the error number of a write in a read-only
// transaction (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION).
const ReadOnlyViolation = 1792

// clientError matches the mysql client's error line, e.g.
// "ERROR 1146 (42S02) at line 1: Table 'x.y' doesn't exist".
var clientError = regexp.MustCompile(`(?m)^ERROR (\d+)(?: \(([0-9A-Z]{5})\))?(?: at line \d+)?: (.*)$`)

// parseClientError finds the server's error in the mysql client's stderr.
func parseClientError(stderr []byte, server string) *SQLError {
	m := clientError.FindSubmatch(stderr)
	if m == nil {
		return nil
	}
	n, _ := strconv.Atoi(string(m[1]))
	return &SQLError{Number: n, SQLState: string(m[2]), Message: strings.TrimSpace(string(m[3])), Server: server}
}

// xmlResultSet is one <resultset> of `mysql --xml`.
type xmlResultSet struct {
	Rows []struct {
		Fields []struct {
			Name  string `xml:"name,attr"`
			Nil   string `xml:"nil,attr"`
			Value string `xml:",chardata"`
		} `xml:"field"`
	} `xml:"row"`
}

// parseXML splits the output of `mysql --xml` (one XML document per result
// set) into results.
func parseXML(out []byte) ([]*Result, error) {
	var results []*Result
	for _, doc := range bytes.Split(out, []byte("<?xml version=\"1.0\"?>")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var rs xmlResultSet
		if err := xml.Unmarshal(doc, &rs); err != nil {
			return nil, fmt.Errorf("reading the mysql client's XML output: %w", err)
		}
		r := &Result{}
		for i, row := range rs.Rows {
			vals := make([]*string, len(row.Fields))
			for j, f := range row.Fields {
				if i == 0 {
					r.Columns = append(r.Columns, f.Name)
				}
				if f.Nil != "true" {
					v := f.Value
					vals[j] = &v
				}
			}
			r.Rows = append(r.Rows, vals)
		}
		results = append(results, r)
	}
	return results, nil
}
