package mysqlx

import (
	"encoding/hex"
	"strings"
)

// Ident quotes an identifier (database, table, column) with backticks.
func Ident(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// Literal returns s as a SQL string literal that means s whatever the
// server's sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES): a hex literal
// converted to utf8mb4.
func Literal(s string) string {
	if s == "" {
		return "''"
	}
	return "CONVERT(X'" + hex.EncodeToString([]byte(s)) + "' USING utf8mb4)"
}

// optionValue quotes a value for a MySQL option file.
func optionValue(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
