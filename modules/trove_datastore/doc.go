// Package trovedatastore is the trove_datastore module: it reads Trove
// datastores and their versions (ids, default version, active versions and,
// for an admin, their Glance image ids), and as admin registers or updates a
// datastore version through the management API.
//
// It owns the module's schema, plan and apply; the API calls live in
// gophercloud's openstack/db/v1/datastores and
// modules/internal/openstack/trove/mgmt.
package trovedatastore

const summary = "Read Trove datastores and versions; register or update a datastore version (admin)"

const doc = "# trove_datastore\n\n" +
	"## Actions\n\nThe argument `action` picks one:\n\n" +
	"- `read` (default): the datastore `datastore` (name or id), or every datastore when not set. Read-only.\n" +
	"- `version`: make the datastore version `version` of `datastore` exist with `manager`, `image` (or `image_tags`), " +
	"`packages`, `active` and `default` (management API, admin only). Missing: it is registered; different: it is updated; " +
	"else nothing to do.\n\n" +
	"## Arguments\n\n" +
	"- `datastore` (string), `version` (string), `manager` (string, default: the datastore name), `image` (string: Glance image id), " +
	"`image_tags` (list of string), `packages` (list of string), `active` (bool, default true), `default` (bool; unset leaves it as it is).\n\n" +
	"## Outputs\n\n" +
	"`id`, `name`, `default_version`, `default_version_id`, `versions` (active version names), `version_ids` (name -> id), " +
	"`image_ids` (name -> Glance image id; admin only, else empty), `parameter_counts` (name -> how many configuration parameters the version has; 0 means db_load_datastore_config_parameters never ran for it), `version` (the version the task is about, for `version`), " +
	"and `datastores` (every datastore read).\n\n"

const example = `task "register_version" {
  trove_datastore {
    cloud     = "devstack-admin"
    action    = "version"
    datastore = "mysql"
    version   = "5.7.30"
    manager   = "mysql"
    image     = task.guest_image.outputs.id
    active    = true
  }
}`
