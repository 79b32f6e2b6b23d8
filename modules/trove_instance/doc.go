// Package troveinstance is the trove_instance module: it finds, lists,
// creates (or restores from a backup), upgrades (datastore version),
// rebuilds (new guest image, management API), restarts and deletes Trove
// database instances, waiting for each asynchronous change to settle.
//
// It owns the module's schema, plan and apply; the Trove API calls live in
// modules/internal/openstack/trove and the shared waiting in troveops.
package troveinstance

const summary = "Find, list, create/restore, upgrade, rebuild, restart or delete Trove instances"

const doc = "# trove_instance\n\n" +
	"Manages Trove (Database as a Service) instances through the API, from the machine running runbook.\n\n" +
	"## Actions\n\n" +
	"- `create` (default): create an instance named `name` (flavor, volume_size, datastore + datastore_version, databases, users, networks), " +
	"or restore one from `backup` (restorePoint). An instance of that name already exists: nothing to do, its outputs are returned. " +
	"Waits until the instance is HEALTHY/ACTIVE; an instance that goes to ERROR fails the task with its fault message. " +
	"When Trove answers 5xx (or no answer comes), the instance is looked up by name before anything else: found, it is adopted and waited for " +
	"(Trove recorded it before failing); not found, the create is sent again, at most 3 times in all (Trove's first quota reservations in a project race and answer 500). " +
	"A 4xx is never retried.\n" +
	"- `find`: the instance named by `id` or `name` (read-only; fails when there is none).\n" +
	"- `contents`: as `find`, and the names of the instance's databases and users, as its guest agent reports them (read-only): " +
	"what a restore is compared with its source by, without reaching the database network.\n" +
	"- `list`: the project's instances, filtered by `name`, `datastore`, `datastore_version`, `status` (read-only). " +
	"With `all_projects = true`: every project's instances through the management API (admin; cluster members and replicas included), " +
	"each with `tenant_id`, `server_id`, `task` and `image_id`, the Glance image its server runs (read from Nova, all tenants).\n" +
	"- `upgrade`: move the instance (`id` or `name`) to `datastore_version` (PATCH instance); nothing to do when it is on it already. Waits UPGRADE -> HEALTHY.\n" +
	"- `rebuild`: rebuild the instance's guest from the Glance image `rebuild` (management API, admin; Victoria+ in-place guest upgrade). " +
	"Nothing to do when its server already runs that image (read from Nova), so a second run rebuilds nothing. " +
	"Setting `rebuild` without `action` means this action.\n" +
	"- `restart`: restart the database. Always a change.\n" +
	"- `delete`: delete the instance; refused unless `confirm = true`. Nothing to do when it does not exist.\n\n" +
	"## Arguments\n\n" +
	"- `id`, `name` (string): the instance.\n" +
	"- `flavor` (string), `volume_size` (number), `volume_type` (string), `datastore` (string), `datastore_version` (string), " +
	"`availability_zone`, `configuration` (string), `databases` (list of string), `users` (list of `{name, password, host?, databases?}`; passwords are sensitive), " +
	"`networks` (list of network ids), `access` (`{ is_public = bool, allowed_cidrs = [...] }`), `backup` (string: restore from this backup id): for create. " +
	"A restore that must be reachable where the old instance was takes the old one's `networks` and `access` outputs.\n" +
	"- `all_projects` (bool): list every project's instances (management API).\n" +
	"- `status` (list of string): list filter.\n" +
	"- `rebuild` (string): the image id to rebuild with.\n" +
	"- `wait` (object): `{ status = \"HEALTHY\", timeout = \"20m\", enabled = true }`; status HEALTHY (default) or ACTIVE.\n" +
	"- `confirm` (bool): must be true for delete.\n\n" +
	"## Outputs\n\n" +
	"`id`, `name`, `status`, `operating_status`, `addresses` (list of `{address, type}`), `networks` (the networks of its addresses), `access` (`{is_public, allowed_cidrs}`), " +
	"`datastore` (`{type, version}`), `flavor_id`, `volume_size`, `region`, `fault`, `tenant_id` (admins), `server_id`, `image_id`, `task` (all_projects and rebuild only; else \"\"), " +
	"`instances` (list: the matches for list, else the one instance), " +
	"and `databases` and `users` (sorted lists of names; only for contents, else null).\n\n"

const example = `task "db1" {
  trove_instance {
    cloud             = "devstack-demo"
    name              = "db1"
    flavor            = "d2"
    volume_size       = 5
    datastore         = "mysql"
    datastore_version = "5.7.29"
    databases         = ["app"]
    users             = [{ name = "app", password = var.app_password, databases = ["app"] }]
    wait              = { status = "HEALTHY", timeout = "20m" }
  }
}

task "upgrade_guests" {
  for_each = { for i in task.list_instances.outputs.instances : i.name => i }
  serial   = 1
  trove_instance {
    cloud   = "devstack-admin"
    id      = each.value.id
    rebuild = task.guest_image.outputs.id
  }
}`
