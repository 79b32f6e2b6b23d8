// Package mysql_query is the mysql_query module: it runs one SQL statement
// on a MySQL or MariaDB server, from the control node or through the task's
// host, and publishes the rows it returned and the rows it changed.
//
// A read-only statement runs at plan time, in a read-only session (so
// check mode can show its rows and can never write); a statement that
// writes runs only in Apply, guarded by an optional `unless` query.
// Connecting and running SQL live in modules/internal/mysqlx.
package mysql_query

import (
	_ "embed"
	"errors"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx"
)

// Name is the module's block name in a task.
const Name = "mysql_query"

//go:embed doc.md
var docBody string

//go:embed example.hcl
var example string

// Module runs a SQL statement.
type Module struct{}

// New returns the mysql_query module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

var argsSpec = mysqlx.Merge(mysqlx.ConnSpec(), hcldec.ObjectSpec{
	"sql":     &hcldec.AttrSpec{Name: "sql", Type: cty.String, Required: true},
	"changes": &hcldec.AttrSpec{Name: "changes", Type: cty.Bool},
	"unless":  &hcldec.AttrSpec{Name: "unless", Type: cty.String},
})

var outputsType = cty.Object(map[string]cty.Type{
	"rows":          cty.List(cty.Map(cty.String)),
	"columns":       cty.List(cty.String),
	"rows_affected": cty.Number,
})

// Schema returns the arguments and outputs.
// sqlText is a statement: not empty once blanks and semicolons are gone.
var sqlText = module.Format{Name: "an SQL statement", Bad: " ; ", Check: func(s string) error {
	if strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ";")) == "" {
		return errors.New("it is empty")
	}
	return nil
}}

func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Rules:   []module.Rule{module.Formatted("sql", sqlText)},
		Outputs: outputsType,
		Summary: "Run a SQL statement on MySQL/MariaDB (from the control node or through the host); rows as outputs",
		Doc:     docBody + "\n## Connection arguments\n\n| Name | Type | Required | Meaning |\n|---|---|---|---|\n" + mysqlx.ConnDoc,
		Example: example,
	}
}
