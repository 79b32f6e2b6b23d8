// Package trovebackup is the trove_backup module: it creates a backup of a
// Trove instance and waits for it to complete (idempotently by name), lists
// and finds backups, and deletes one (only with confirm = true).
//
// It owns the module's schema, plan and apply; the API calls live in
// modules/internal/openstack/trove/backups.
package trovebackup

const summary = "Create (idempotent by name), list, find or delete Trove backups"

const doc = "# trove_backup\n\n" +
	"## Actions\n\nThe argument `action` picks one:\n\n" +
	"- `create` (default): back up `instance` (id or name) as `name`. A backup of that name of that instance that did not fail " +
	"already exists: nothing to do, its outputs are returned. Waits for COMPLETED (a FAILED backup fails the task, with the " +
	"instance's fault when it has one), then for the instance to be ACTIVE/HEALTHY again.\n" +
	"- `list`: the backups of `instance` (or of the project), read-only.\n" +
	"- `find`: the backup `id`, or named `name` (of `instance` when given), read-only.\n" +
	"- `delete`: delete the backup `id` or `name`; refused unless `confirm = true`.\n\n" +
	"## Arguments\n\n" +
	"- `instance` (string): the instance id or name.\n" +
	"- `name`, `id`, `description` (string); `incremental` (bool); `parent` (string: parent backup id).\n" +
	"- `wait` (object): `{ timeout = \"30m\", enabled = true }`.\n" +
	"- `confirm` (bool): must be true for delete.\n\n" +
	"## Outputs\n\n" +
	"`id`, `name`, `status`, `size` (GB), `location`, `instance_id`, `datastore` (`{type, version}`), `created`, and `backups` (list).\n\n"

const example = `task "backup_before_upgrade" {
  trove_backup {
    cloud    = "devstack-demo"
    instance = "db1"
    name     = "db1-before-victoria"
    wait     = { timeout = "30m" }
  }
}`
