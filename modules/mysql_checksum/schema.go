// Package mysql_checksum is the mysql_checksum module: it reads, for every
// table of a database (or a chosen list), the row count and CHECKSUM TABLE,
// so a later task can compare two snapshots and prove that no data went
// missing (for example across a Trove upgrade, or a backup and restore).
//
// It only reads, in a read-only session, and is always a no-op. Connecting
// and running SQL live in modules/internal/mysqlx.
package mysql_checksum

import (
	_ "embed"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbook-dev/runbook/engine/module"
	"github.com/runbook-dev/runbook/modules/internal/mysqlx"
)

// Name is the module's block name in a task.
const Name = "mysql_checksum"

//go:embed doc.md
var docBody string

//go:embed example.hcl
var example string

// Module reads table row counts and checksums.
type Module struct{}

// New returns the mysql_checksum module.
func New() *Module { return &Module{} }

var _ module.Module = (*Module)(nil)

var argsSpec = mysqlx.Merge(mysqlx.ConnSpec(), hcldec.ObjectSpec{
	"tables":  &hcldec.AttrSpec{Name: "tables", Type: cty.List(cty.String)},
	"exclude": &hcldec.AttrSpec{Name: "exclude", Type: cty.List(cty.String)},
})

var tableType = cty.Object(map[string]cty.Type{
	"rows":     cty.Number,
	"checksum": cty.String,
})

var outputsType = cty.Object(map[string]cty.Type{
	"database":   cty.String,
	"tables":     cty.Map(tableType),
	"total_rows": cty.Number,
	"checksum":   cty.String,
})

// Schema returns the arguments and outputs.
func (*Module) Schema() *module.Schema {
	return &module.Schema{
		Args:    argsSpec,
		Outputs: outputsType,
		Summary: "Row counts and CHECKSUM TABLE of a MySQL/MariaDB database, to compare before and after (read-only)",
		Doc:     docBody + "\n## Connection arguments\n\n| Name | Type | Required | Meaning |\n|---|---|---|---|\n" + mysqlx.ConnDoc,
		Example: example,
	}
}
