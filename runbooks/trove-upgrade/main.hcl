# Trove upgrade, the way an operator does it on DevStack or a production
# cloud, one step per file:
#
#   image.hcl       build the new guest image (trovestack) and upload it to Glance
#   controller.hcl  migrate the Trove database, update trove.conf, restart the
#                   controller services (handler) and wait for the API
#   datastore.hcl   register the new datastore version with the new image,
#                   load its configuration parameters, verify through the API
#   instances.hcl   move the database instances to the new version: rebuild +
#                   datastore-version upgrade (Victoria on), or backup ->
#                   restore -> verify (coming from Ussuri or older)
#
# Upgrade the Trove packages (or the kolla/OSA containers) on the controllers
# BEFORE this runbook: it migrates the database schema of the code that is
# installed, and restarts the services so that they load it.
#
#   runbook validate -i inventories/devstack.hcl runbooks/trove-upgrade
#   runbook check --diff -i inventories/devstack.hcl runbooks/trove-upgrade   # exit 2: changes pending
#   runbook run --diff -i inventories/devstack.hcl runbooks/trove-upgrade
#
# Lab (lab/trove-demo.sh does all of it): -i inventories/lab.hcl
# --var-file runbooks/trove-upgrade/vars/lab.hcl.
#
# Inventory groups used: controller (trove.conf + units), trove_manage (where
# trove-manage can reach the Trove database; usually the controllers, which
# run_once picks the first of), devstack (where the guest image is built).
# Host vars: trove_conf, trove_units, trove_manage, trove_python,
# validation_rules (optional), image_dir, trovestack. API tasks run on the control node with clouds from clouds.yaml
# (OS_CLIENT_CONFIG_FILE, ./clouds.yaml or ~/.config/openstack/clouds.yaml).
#
# Always-changing steps, by design: none when nothing is left to do. The
# database migration runs only when the schema is behind (checked first with
# files/trove-db-version.py), the version registration only when the API
# shows another image, the instance steps only for instances still on the
# old version. A second run exits 0.
runbook {
  description = "Upgrade Trove: guest image, database schema, controller config + restart, datastore version, database instances"
}

variable "release" {
  type        = string
  default     = "zed"
  description = "The OpenStack release being upgraded to; names the guest image and the backups"
}

variable "admin_cloud" {
  type        = string
  default     = "devstack-admin"
  description = "clouds.yaml cloud with the admin role: Glance upload, datastore versions, management rebuild"
}

variable "project_cloud" {
  type        = string
  default     = "devstack-demo"
  description = "clouds.yaml cloud of the project whose database instances are upgraded (Trove lists per project)"
}

# --- guest image ---------------------------------------------------------

variable "build_image" {
  type        = bool
  default     = true
  description = "Build the guest image with trovestack (false: the file must already be in image_dir)"
}

variable "guest" {
  type = object({
    os          = optional(string, "ubuntu")
    os_release  = optional(string, "bionic")
    dev_mode    = optional(bool, true)
    guest_user  = optional(string, "ubuntu")
    disk_format = optional(string, "qcow2")
  })
  default     = {}
  description = "trovestack build-image arguments: OS, release, dev mode (guest agent code from the controller), guest user"
}

variable "image_cache" {
  type        = string
  default     = "/var/tmp/runbook-trove-images/"
  description = "Folder on the control node the built image is fetched into before the Glance upload (ends in /)"
}

# --- controller ----------------------------------------------------------

variable "conf_default" {
  type        = map(string)
  default     = { control_exchange = "trove" }
  description = "trove.conf [DEFAULT] options for the new release"
}

variable "transport_url" {
  type        = string
  default     = ""
  sensitive   = true
  description = "trove.conf [DEFAULT] transport_url (empty: left as it is)"
}

variable "conf_datastore" {
  type        = map(string)
  default     = { docker_image = "mysql", backup_docker_image = "openstacktrove/db-backup-mysql5.7:1.1.0" }
  description = "Options of the datastore's own trove.conf section ([mysql]): since Victoria the database runs in a container on the guest"
}

variable "trove_api_url" {
  type        = string
  default     = "http://127.0.0.1:8779/"
  description = "Trove API root, checked from the control node after the restart"
}

variable "seed_trove_conf" {
  type        = string
  default     = ""
  description = "Lab only: a control-node trove.conf copied to controllers that have none yet (never overwrites)"
}

# --- datastore -----------------------------------------------------------

variable "datastore" {
  type = object({
    name        = string
    manager     = optional(string, "mysql")
    old_version = string
    new_version = string
    packages    = optional(list(string), [])
  })
  default     = { name = "mysql", old_version = "5.7.29", new_version = "5.7.30" }
  description = "The datastore, the version the instances are on, and the version to register and move them to"
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
  default     = "/usr/lib/python3/dist-packages/trove/templates/mysql/validation-rules.json"
  description = "validation-rules.json of the datastore on the trove_manage host, unless the host var validation_rules says (DevStack: /opt/stack/trove/trove/templates/mysql/validation-rules.json)"
}

variable "make_default" {
  type        = bool
  default     = true
  description = "Make the new version the datastore's default (new instances get it)"
}

# --- instances -----------------------------------------------------------

variable "upgrade_mode" {
  type        = string
  default     = "rebuild"
  description = "rebuild: in place (Victoria and later guests); backup-restore: new instances from backups (guests of Ussuri or older)"
  validation {
    condition     = contains(["rebuild", "backup-restore"], var.upgrade_mode)
    error_message = "upgrade_mode is rebuild or backup-restore."
  }
}

variable "rebuild_guests" {
  type        = bool
  default     = true
  description = "rebuild mode: rebuild each guest from the new image (management API) before the datastore-version upgrade"
}

variable "instance_timeout" {
  type        = string
  default     = "20m"
  description = "How long one instance may take to become HEALTHY after a rebuild, upgrade or restore"
}

variable "instance_names" {
  type        = list(string)
  default     = []
  description = "Only these instances (empty: every instance on the old version)"
}

variable "verify_data" {
  type        = string
  default     = "api"
  description = "backup-restore: how to check the restored instance: api (databases + users through Trove), checksum (mysql_checksum through the instance address), none"
  validation {
    condition     = contains(["api", "checksum", "none"], var.verify_data)
    error_message = "verify_data is api, checksum or none."
  }
}

variable "verify_db" {
  type = object({
    user     = optional(string, "")
    password = optional(string, "")
    database = optional(string, "")
  })
  default     = {}
  sensitive   = true
  description = "verify_data = checksum: a database user both instances know, and the database to compare (same MySQL version on both: CHECKSUM TABLE depends on it)"
}

locals {
  image_name  = "trove-guest-${var.release}-${var.guest.os}-${var.guest.os_release}${var.guest.dev_mode ? "-dev" : ""}"
  image_file  = "${local.image_name}.${var.guest.disk_format}"
  backup_name = "before-${var.release}"
}
