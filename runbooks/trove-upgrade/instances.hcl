# The database instances. Nothing here touches an instance before the new
# version is verified through the API (verify_version).

# Instances still on the old version: everything below is keyed on this
# list, so a second run finds none and does nothing.
task "old_instances" {
  trove_instance {
    cloud             = var.project_cloud
    action            = "list"
    datastore_version = var.datastore.old_version
  }
}

locals {
  # The instances this run upgrades, by name: on the old version of the
  # datastore, and named in instance_names when it is set.
  targets = {
    for i in task.old_instances.outputs.instances : i.name => i
    if i.datastore.type == var.datastore.name && (length(var.instance_names) == 0 || contains(var.instance_names, i.name))
  }
  # Restored instances are named NAME-RELEASE (backup-restore mode): one
  # found on the old version is not backed up again.
  restore_suffix = "-${var.release}"
  to_back_up     = { for name, i in local.targets : name => i if !endswith(name, local.restore_suffix) }
}

# Health gate before the first change: do not start a rolling upgrade of a
# fleet that is already unwell. A broken instance needs a human first.
task "instances_healthy" {
  depends_on = [task.verify_version]
  assert {
    conditions = concat([{ condition = true, message = "" }], [
      for i in values(local.targets) : {
        condition = i.status == "ACTIVE" || i.operating_status == "HEALTHY"
        message   = "instance ${i.name} (${i.id}) is ${i.status}/${i.operating_status}: fix it or leave it out with instance_names"
      }
    ])
    success_msg = "instances on ${var.datastore.name} ${var.datastore.old_version} are healthy"
  }
}

# --- rebuild (Victoria and later) ----------------------------------------
# Since Victoria the guest runs the database in a container: rebuilding the
# Nova server from the new image replaces the guest OS and agent, the data
# volume stays attached, and the datastore-version upgrade then pulls the
# new database container image. One instance at a time, and the next only
# when the previous one is HEALTHY again (serial = 1, max_fail_percentage = 0).

task "rebuild_guest" {
  for_each            = var.upgrade_mode == "rebuild" && var.rebuild_guests ? local.targets : {}
  serial              = 1
  max_fail_percentage = 0
  depends_on          = [task.instances_healthy]
  trove_instance {
    cloud   = var.admin_cloud # the management API: admin only
    id      = each.value.id
    rebuild = task.guest_image.outputs.id
    wait    = { status = "HEALTHY", timeout = var.instance_timeout }
  }
}

task "upgrade_version" {
  for_each            = var.upgrade_mode == "rebuild" ? local.targets : {}
  serial              = 1
  max_fail_percentage = 0
  depends_on          = [task.instances_healthy, task.rebuild_guest]
  trove_instance {
    cloud             = var.project_cloud
    action            = "upgrade"
    id                = each.value.id
    datastore_version = var.datastore.new_version
    wait              = { status = "HEALTHY", timeout = var.instance_timeout }
  }
}

# --- backup and restore (guests of Ussuri or older) ----------------------
# A pre-Victoria guest cannot be rebuilt into a containerised one: back it
# up, restore the backup into a NEW instance of the new version, check that
# nothing is missing, then move the applications over (the address
# changes). The old instance stays until you delete it. Names are fixed
# (NAME-before-RELEASE, NAME-RELEASE), so a second run finds both and does
# nothing.

block {
  task "backup_old" {
    for_each            = var.upgrade_mode == "backup-restore" ? local.to_back_up : {}
    serial              = 1
    max_fail_percentage = 0
    depends_on          = [task.instances_healthy]
    trove_backup {
      cloud       = var.project_cloud
      instance    = each.value.id
      name        = "${each.key}-${local.backup_name}"
      description = "runbook trove-upgrade: ${each.key} before ${var.release}"
      wait        = { timeout = var.instance_timeout }
    }
  }

  task "restore_new" {
    for_each            = task.backup_old.outputs
    serial              = 1
    max_fail_percentage = 0
    trove_instance {
      cloud             = var.project_cloud
      name              = "${each.key}${local.restore_suffix}"
      backup            = each.value.id
      flavor            = local.targets[each.key].flavor_id
      volume_size       = local.targets[each.key].volume_size
      datastore         = var.datastore.name
      datastore_version = var.datastore.new_version
      wait              = { status = "HEALTHY", timeout = var.instance_timeout }
    }
  }

  # What each instance reports, old and new (read-only): the databases
  # and users its guest agent lists, through the Trove API. It works
  # everywhere, including Trove's fake mode.
  task "old_contents" {
    for_each = var.verify_data == "api" ? task.restore_new.outputs : {}
    trove_instance {
      cloud  = var.project_cloud
      action = "contents"
      id     = local.targets[each.key].id
    }
  }

  task "new_contents" {
    for_each = var.verify_data == "api" ? task.restore_new.outputs : {}
    trove_instance {
      cloud  = var.project_cloud
      action = "contents"
      id     = each.value.id
    }
  }

  # On a real cloud, compare the data itself: row counts and CHECKSUM TABLE
  # through each instance's address (the control node must reach the
  # database network).
  task "old_checksum" {
    for_each = var.verify_data == "checksum" ? task.restore_new.outputs : {}
    mysql_checksum {
      from           = "control"
      login_host     = local.targets[each.key].addresses[0].address
      login_user     = var.verify_db.user
      login_password = var.verify_db.password
      database       = var.verify_db.database
    }
  }

  task "new_checksum" {
    for_each = var.verify_data == "checksum" ? task.restore_new.outputs : {}
    mysql_checksum {
      from           = "control"
      login_host     = each.value.addresses[0].address
      login_user     = var.verify_db.user
      login_password = var.verify_db.password
      database       = var.verify_db.database
    }
  }

  task "verify_restored" {
    for_each = var.verify_data == "none" ? {} : task.restore_new.outputs
    assert {
      conditions = var.verify_data == "api" ? [
        for what in ["databases", "users"] : {
          condition = task.old_contents.outputs[each.key][what] == task.new_contents.outputs[each.key][what]
          message   = "${each.key}${local.restore_suffix} has ${what} ${join(",", task.new_contents.outputs[each.key][what])}, ${each.key} has ${join(",", task.old_contents.outputs[each.key][what])}"
        }
        ] : [
        {
          condition = task.old_checksum.outputs[each.key].checksum == task.new_checksum.outputs[each.key].checksum
          message   = "${var.verify_db.database}: ${each.key}${local.restore_suffix} has ${task.new_checksum.outputs[each.key].total_rows} rows, ${each.key} ${task.old_checksum.outputs[each.key].total_rows}, or their checksums differ"
        },
      ]
      success_msg = "${each.key}${local.restore_suffix} holds what ${each.key} held"
    }
  }

  # A restore that failed or did not verify must not be mistaken for the
  # upgraded database: delete the half-made instance (the backup stays, and
  # the old instance was never touched). Fix the cause, run again.
  rescue {
    task "restored_now" {
      when = var.upgrade_mode == "backup-restore"
      trove_instance {
        cloud  = var.project_cloud
        action = "list"
      }
    }

    task "delete_half_made" {
      for_each = {
        for i in task.restored_now.outputs.instances : i.name => i
        if endswith(i.name, local.restore_suffix) && !(i.status == "ACTIVE" && try(task.verify_restored.outputs[trimsuffix(i.name, local.restore_suffix)].checked, 0) > 0)
      }
      trove_instance {
        cloud   = var.project_cloud
        action  = "delete"
        id      = each.value.id
        confirm = true
      }
    }
    # Rescue clears the failure; this one must not be cleared: the run
    # ends failed and says why, so nobody moves applications to it.
    task "restore_not_verified" {
      depends_on = [task.delete_half_made]
      when       = var.upgrade_mode == "backup-restore"
      assert {
        conditions = [{
          condition = false
          message   = "a backup, restore or verification failed (see above); half-made restored instances were deleted, the old instances and their backups are untouched"
        }]
      }
    }
  }

  # What each old instance became, for the operator's record.
  always {
    task "upgrade_report" {
      when = var.upgrade_mode == "backup-restore"
      trove_instance {
        cloud             = var.project_cloud
        action            = "list"
        datastore_version = var.datastore.new_version
      }
    }
  }
}
