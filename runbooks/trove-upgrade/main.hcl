# Trove upgrade, release-aware, in the order Trove needs, one phase a file:
#
#   preflight.hcl    what is installed and running, the schema, the release
#                    path (refused here, before anything changes), every
#                    instance HEALTHY and idle, space, a dump of the Trove
#                    database on the control node before any migration
#   backups.hcl      backup-restore mode: backups of the instances to move,
#                    taken while the OLD controller still serves them
#   controller.hcl   schema migration (verified at the new head), trove.conf,
#                    guest options into trove-guestagent.conf, then a restart
#                    of every service whose running code or config is older
#                    than what is installed, one controller at a time, its
#                    API checked behind each
#   image.hcl        the guest image of the target release (trovestack) in Glance
#   datastore.hcl    the datastore version points at the new image; its
#                    configuration parameters are loaded (verified)
#   instances.hcl    in place (Victoria and later): every instance of the
#                    datastore, all projects, rebuilt from the new image one
#                    at a time; or backup -> restore (same networks and
#                    access) -> rows verified -> old deleted only on confirm;
#                    then a gate that fails on any instance not HEALTHY
#
# Install the new Trove code on the controllers first (packages, a DevStack
# checkout, kolla/OSA images): this runbook migrates the schema of the code
# that is installed and restarts what still runs the old code.
#
#   runbook check --diff -i INVENTORY --var-file VARS runbooks/trove-upgrade   # 2: pending, nothing touched
#   runbook run          -i INVENTORY --var-file VARS runbooks/trove-upgrade   # 2: changed
#   runbook run          -i INVENTORY --var-file VARS runbooks/trove-upgrade   # 0: nothing left
#
# INVENTORY and VARS per deployment kind: inventories/devstack.hcl,
# inventories/production.hcl (packages + systemd), inventories/kolla.hcl,
# inventories/openstack-ansible.hcl, and runbooks/trove-upgrade/vars/*.hcl.
# README.md next to this file: the release facts this relies on, with
# links to Trove's code, and what check mode shows per phase.
#
# Host vars the runbook reads (group controller unless said):
#   trove_python      argv prefix of the Python Trove is installed for
#                     (["/usr/bin/python3"]; DevStack venv; kolla: ["python3"]
#                     with trove_container)
#   trove_conf        trove.conf as Trove reads it (inside the container for kolla)
#   conf_files        the trove.conf files options are written to, on the host
#                     (default [trove_conf]; kolla: /etc/kolla/trove-*/trove.conf)
#   conf_paths        config whose change needs a restart (default [trove_conf])
#   guest_conf        trove-guestagent.conf on the host (what Trove injects into
#                     guests; kolla: /etc/kolla/trove-taskmanager/...)
#   trove_units       what serves Trove here: systemd units (apache2 where it
#                     serves the API) or containers (kolla)
#   service_manager   "systemd" (default), "docker" or "podman"
#   code_paths        files or folders whose change time says when the code
#                     running here was installed (see README)
#   trove_api_url     this controller's own Trove API, checked after its restart
#   trove_manage      argv prefix of trove-manage (group trove_manage)
#   trove_container   run the Trove commands inside this container (kolla)
#   image_dir, trovestack   the image build host (group devstack)
runbook {
  description = "Upgrade Trove: pre-flight, backups, controllers (migrate, config, restart), guest image, datastore version, instances, gate"
}

variable "target_release" {
  type        = string
  default     = ""
  description = "The release being upgraded to (\"2025.1\", \"zed\"): the controllers must have it installed, or the run stops before anything changes. Empty: whatever all controllers have installed"
}

variable "from_release" {
  type        = string
  default     = ""
  description = "The release the cloud runs now (\"zed\"): checked against OpenStack's supported paths (one release at a time, SLURP to SLURP) and decides whether guests can be rebuilt in place (Victoria and later). Empty: only Trove's own schema rules are checked"
}

variable "allow_release_jump" {
  type        = bool
  default     = false
  description = "Go from from_release to the installed release although OpenStack does not support the jump (Trove's own schema rules still apply: its alembic code migrates any Wallaby-or-later schema). At your own risk; the dump is taken first"
}

variable "phases" {
  type        = set(string)
  default     = ["controllers", "datastore", "instances"]
  description = "What this run does besides the pre-flight (always): controllers (dump, migration, options, restarts), datastore (guest image, version), instances (fleet check, rebuilds or restores, gate). One change window each is fine: the instances phase reads the image from the datastore version"
  validation {
    condition     = alltrue([for p in var.phases : contains(["controllers", "datastore", "instances"], p)])
    error_message = "phases are controllers, datastore and instances."
  }
}

variable "admin_cloud" {
  type        = string
  default     = "devstack-admin"
  description = "clouds.yaml cloud with the admin role: Glance, datastore versions, every project's instances (management API), Nova"
}

variable "project_cloud" {
  type        = string
  default     = "devstack"
  description = "backup-restore mode: the cloud of the project whose instances are backed up and restored (backups and restores are per project)"
}

# --- pre-flight ------------------------------------------------------------

variable "dump_dir" {
  type        = string
  default     = "/var/backups/trove-upgrade/"
  description = "Control-node folder the Trove database dump is kept in (ends in /)"
}

variable "host_dump_dir" {
  type        = string
  default     = "/var/tmp/"
  description = "Folder on the trove_manage host where the dump is written before it is fetched (ends in /)"
}

variable "min_free_mb" {
  type        = number
  default     = 1024
  description = "Free space (MiB) needed in dump_dir on the control node"
}

variable "trove_status" {
  type        = bool
  default     = true
  description = "Run `trove-status upgrade check` (python -m trove.cmd.status) of the installed code; a warning (instances with running tasks) stops the run"
}

# --- controllers -------------------------------------------------------------

variable "conf_default" {
  type        = map(string)
  default     = {}
  description = "trove.conf [DEFAULT] options the new release needs (read its release notes)"
}

variable "transport_url" {
  type        = string
  default     = ""
  sensitive   = true
  description = "trove.conf [DEFAULT] transport_url (empty: left as it is)"
}

variable "guest_conf" {
  type        = map(map(string))
  default     = {}
  description = "trove-guestagent.conf options by section, e.g. { mysql = { docker_image = \"...\", backup_docker_image = \"...\" } }: the guest reads them (Trove injects the file at create and rebuild), not trove.conf. Since Victoria the guest appends the datastore version to docker_image (image:5.7.29): give the image without a tag"
}

variable "controller_serial" {
  type        = number
  default     = 1
  description = "How many controllers restart at once; the API of each is checked before the next"
}

variable "restart_timeout" {
  type        = string
  default     = "180s"
  description = "How long a controller's services may take to be up and its API to answer after the restart"
}

# --- guest image -------------------------------------------------------------

variable "build_image" {
  type        = bool
  default     = true
  description = "Build the guest image with trovestack (false: the file must already be in image_dir)"
}

variable "guest" {
  type = object({
    os          = optional(string, "ubuntu")
    os_release  = optional(string, "jammy")
    dev_mode    = optional(bool, false)
    guest_user  = optional(string, "ubuntu")
    disk_format = optional(string, "qcow2")
  })
  default     = {}
  description = "trovestack build-image arguments. Trove since Zed needs the guest's Python 3.8+: Ubuntu focal (Zed, 2023.1) or jammy (2023.2 and later; DevStack's default), never bionic. dev_mode = true makes guests fetch the agent's code from the controller at boot: for development only"
}

variable "image_cache" {
  type        = string
  default     = "/var/tmp/runbook-trove-images/"
  description = "Control-node folder the built image is fetched into before the Glance upload (ends in /)"
}

variable "image_id" {
  type        = string
  default     = ""
  description = "Use this Glance image instead of building and uploading one (an image built elsewhere, or openstack-ansible's trove_glance_images)"
}

# --- datastore ---------------------------------------------------------------

variable "datastore" {
  type = object({
    name        = string
    manager     = optional(string, "mysql")
    old_version = string
    new_version = string
    packages    = optional(list(string), [])
  })
  default     = { name = "mysql", old_version = "5.7.29", new_version = "5.7.29" }
  description = "The datastore; the version its instances are on; the version to point at the new image. Upstream's in-place procedure keeps the version (old = new) and rebuilds; a different new_version also moves the instances to it (datastore-version upgrade)"
}

variable "register_with" {
  type        = string
  default     = "trove-manage"
  description = "How to register the version: trove-manage (on group.trove_manage) or api (management API, admin_cloud)"
  validation {
    condition     = contains(["trove-manage", "api"], var.register_with)
    error_message = "register_with is trove-manage or api."
  }
}

variable "validation_rules" {
  type        = string
  default     = ""
  description = "validation-rules.json of the datastore on the trove_manage host (empty: the one of the installed Trove package, found by trove_python)"
}

variable "make_default" {
  type        = bool
  default     = true
  description = "Make the new version the datastore's default (new instances get it)"
}

# --- instances ---------------------------------------------------------------

variable "upgrade_mode" {
  type        = string
  default     = "in-place"
  description = "in-place: rebuild every instance from the new image (guests of Victoria and later); backup-restore: new instances from backups (guests of Ussuri or older)"
  validation {
    condition     = contains(["in-place", "backup-restore"], var.upgrade_mode)
    error_message = "upgrade_mode is in-place or backup-restore."
  }
}

variable "instance_timeout" {
  type        = string
  default     = "20m"
  description = "How long one instance may take to be HEALTHY after a rebuild, upgrade or restore"
}

variable "instance_names" {
  type        = list(string)
  default     = []
  description = "Only these instances (empty: every instance of the datastore). The gate still looks at all of them"
}

variable "verify_data" {
  type        = string
  default     = "checksum"
  description = "backup-restore: how the restored instance is checked: checksum (mysql_checksum of every table through both addresses), select (the rows of verify_tables, compared), api (only the names of databases and users, through Trove: when the control node cannot reach the instances), none"
  validation {
    condition     = contains(["checksum", "select", "api", "none"], var.verify_data)
    error_message = "verify_data is checksum, select, api or none."
  }
}

variable "rebuild_backup" {
  type        = bool
  default     = false
  description = "In place: a fresh backup of each instance before its rebuild (in the admin project)"
}

variable "rebuild_checksum" {
  type        = bool
  default     = false
  description = "In place: row counts and CHECKSUM TABLE of each instance before and after its rebuild, compared (verify_db and verify_db_password; the control node must reach the instances' addresses)"
}

variable "verify_db" {
  type = object({
    user     = optional(string, "")
    database = optional(string, "")
  })
  default     = {}
  description = "A database user both instances know and the database to compare (the control node must reach the instances' addresses); its password is verify_db_password"
}

# Only the password is secret: a sensitive user or database name would be
# scrubbed wherever its text appears (an instance named like the user shows
# as "(sensitive)").
variable "verify_db_password" {
  type        = string
  default     = ""
  sensitive   = true
  description = "The password of verify_db.user"
}

variable "verify_tables" {
  type        = list(string)
  default     = []
  description = "verify_data = select: the tables whose rows are compared"
}

variable "delete_old_instances" {
  type        = bool
  default     = false
  description = "backup-restore: delete each old instance once its restore verified. Never without this"
}
