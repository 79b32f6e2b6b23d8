# backup-restore mode (guests of Ussuri or older, which cannot be rebuilt
# into the containerised guests of Victoria and later): back up every
# instance to move NOW, while the old controller still serves it. After the
# controllers restart on new code, the old guest agent may no longer
# understand them (upstream's procedure: users back up first, then the
# administrator upgrades the controllers).

# The project's instances to move: on the old version, not a restored one,
# and the named ones when instance_names says.
task "to_move" {
  depends_on = [task.preflight_ok]
  when       = (contains(var.phases, "controllers") || contains(var.phases, "instances")) && (var.upgrade_mode == "backup-restore")
  trove_instance {
    cloud             = var.project_cloud
    action            = "list"
    datastore         = var.datastore.name
    datastore_version = var.datastore.old_version
  }
}

# One backup per instance, named so that a rerun finds it (and a restore
# that failed later can be retried from it).
task "backup_old" {
  for_each = var.upgrade_mode == "backup-restore" ? {
    for i in task.to_move.outputs.instances : i.name => i
    if !endswith(i.name, local.restore_suffix) && (length(var.instance_names) == 0 || contains(var.instance_names, i.name))
  } : {}
  serial              = 1
  max_fail_percentage = 0
  trove_backup {
    cloud       = var.project_cloud
    instance    = each.value.id
    name        = "${each.key}-before-${local.release_tag}"
    description = "runbook trove-upgrade: ${each.key} before ${local.release_tag}"
    wait        = { timeout = var.instance_timeout }
  }
}

locals {
  # Restored instances are named NAME-RELEASE, backups NAME-before-RELEASE.
  release_tag    = var.target_release == "" ? "upgrade" : var.target_release
  restore_suffix = "-${var.target_release == "" ? "upgrade" : var.target_release}"
}
