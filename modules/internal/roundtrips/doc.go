// Package roundtrips holds the test that counts, on a real host, the round
// trips each host module's plan and apply wait for (a command, its stdin,
// SFTP requests), for a task already as wanted and for one that changes,
// against the table in docs/performance.md: a module that starts waiting
// for the host more often fails it. RUNBOOK_ROUNDTRIPS_UPDATE=1 rewrites
// the table from what was counted.
package roundtrips
