// Package mysqlx is what the mysql_query and mysql_checksum modules share:
// the connection arguments, and running SQL statements in one session on a
// MySQL or MariaDB server, either from the control node with
// go-sql-driver/mysql or through the task's host with the `mysql` client.
//
// Both ways give the same Result (columns, rows with NULLs, rows affected)
// and the same *SQLError carrying the server's error number, SQLSTATE and
// message. A session can be made read-only (SET SESSION TRANSACTION READ
// ONLY) so that planning can never write.
//
// The password never appears on a command line: through the host it goes
// into an option file made 0600 in a private temporary directory, removed
// afterwards. This package does not decide what a statement means: that is
// each module's business.
package mysqlx
