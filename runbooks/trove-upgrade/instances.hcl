# The database instances, once the new version is verified through the API.
# They are rebuilt from the image the datastore version points at
# (datastore_after), so this phase can run in a window of its own.
# Every instance of the datastore in every project (management API, admin),
# cluster members and replicas included.

locals {
  # The image the datastore version points at now, read back through the API.
  version_image = try(lookup(task.datastore_after.outputs.image_ids, var.datastore.new_version, ""), "")
  # The instances this run moves (instance_names narrows them; the gate
  # still looks at all).
  chosen = [for i in try(task.fleet.outputs.instances, []) : i if length(var.instance_names) == 0 || contains(var.instance_names, i.name)]
}

task "fleet" {
  when       = contains(var.phases, "instances")
  depends_on = [task.verify_version]
  trove_instance {
    cloud        = var.admin_cloud
    action       = "list"
    all_projects = true
    datastore    = var.datastore.name
  }
}

# --- in place (guests of Victoria and later) ---------------------------------
# Upstream's procedure (doc/source/admin/upgrade-trove-guest-agent.rst): the
# datastore version points at the new image (datastore.hcl), then every
# instance is rebuilt from it. The data volume stays; the new guest agent
# starts the database container of the instance's version again. An
# instance whose server already runs the new image is not rebuilt, so a
# rerun rebuilds nothing. One at a time, each HEALTHY before the next
# (serial = 1, max_fail_percentage = 0).
locals {
  rebuild_targets = var.upgrade_mode == "in-place" && contains(var.phases, "instances") ? {
    for i in local.chosen : i.id => i if i.image_id != local.version_image
  } : {}
}

# Around the rebuilds, when asked: a fresh backup of each instance
# (rebuild_backup; kept in the admin project, whose credentials rebuild),
# and its rows compared before and after (rebuild_checksum: row counts and
# CHECKSUM TABLE through the instance's address, as verify_db).
task "rebuild_backup" {
  for_each            = var.rebuild_backup ? local.rebuild_targets : {}
  serial              = 1
  max_fail_percentage = 0
  trove_backup {
    cloud       = var.admin_cloud
    instance    = each.value.id
    name        = "${each.value.name}-before-rebuild-${local.release_tag}"
    description = "runbook trove-upgrade: ${each.value.name} before its rebuild for ${local.release_tag}"
    wait        = { timeout = var.instance_timeout }
  }
}

task "rebuild_checksum_before" {
  for_each   = var.rebuild_checksum ? local.rebuild_targets : {}
  depends_on = [task.rebuild_backup]
  mysql_checksum {
    from           = "control"
    login_host     = each.value.addresses[0].address
    login_user     = var.verify_db.user
    login_password = var.verify_db_password
    database       = var.verify_db.database
  }
}

task "rebuild_guest" {
  for_each            = local.rebuild_targets
  serial              = 1
  max_fail_percentage = 0
  depends_on          = [task.rebuild_backup, task.rebuild_checksum_before]
  trove_instance {
    cloud   = var.admin_cloud
    id      = each.value.id
    rebuild = local.version_image
    wait    = { status = "HEALTHY", timeout = var.instance_timeout }
  }
}

task "rebuild_checksum_after" {
  for_each   = var.rebuild_checksum ? local.rebuild_targets : {}
  depends_on = [task.rebuild_guest]
  mysql_checksum {
    from           = "control"
    login_host     = each.value.addresses[0].address
    login_user     = var.verify_db.user
    login_password = var.verify_db_password
    database       = var.verify_db.database
  }
}

# A rebuild that lost or changed rows fails here, naming the tables. (A
# rerun finds the instance on the new image and compares nothing again:
# restore from the rebuild backup.)
task "verify_rebuilt" {
  for_each = var.rebuild_checksum ? local.rebuild_targets : {}
  assert {
    conditions = [{
      condition = task.rebuild_checksum_before.outputs[each.key].checksum == task.rebuild_checksum_after.outputs[each.key].checksum
      message   = "${each.value.name} does not hold after its rebuild what it held before: ${join(", ", [for t, v in task.rebuild_checksum_before.outputs[each.key].tables : "${t} ${v.rows} rows -> ${try(task.rebuild_checksum_after.outputs[each.key].tables[t].rows, "missing")}" if try(task.rebuild_checksum_after.outputs[each.key].tables[t].checksum, "") != v.checksum])}${var.rebuild_backup ? "; its backup: ${each.value.name}-before-rebuild-${local.release_tag}" : ""}"
    }]
    success_msg = "${each.value.name} holds after its rebuild what it held before"
  }
}

# A new datastore version (new_version != old_version) also moves the
# instances still on the old one (PATCH instance; an admin may act on any
# project's instance). Trove records the new version before the guest has
# upgraded: a failure leaves the instance in ERROR on the new version,
# which is why the gate below looks at every instance, not at versions.
task "upgrade_version" {
  for_each = var.upgrade_mode == "in-place" && contains(var.phases, "instances") && var.datastore.old_version != var.datastore.new_version ? {
    for i in local.chosen : i.id => i if i.datastore.version == var.datastore.old_version
  } : {}
  serial              = 1
  max_fail_percentage = 0
  depends_on          = [task.rebuild_guest]
  trove_instance {
    cloud             = var.admin_cloud
    action            = "upgrade"
    id                = each.value.id
    datastore_version = var.datastore.new_version
    wait              = { status = "HEALTHY", timeout = var.instance_timeout }
  }
}

# --- backup and restore (guests of Ussuri or older) --------------------------
# The backups were taken before the controllers changed (backups.hcl).
# Each is restored into a NEW instance on the new version, on the old
# instance's networks and with its access (public address, allowed CIDRs),
# so whatever reached the old one reaches the new one; its rows are
# compared with the old one's; the old instance is deleted only after that,
# and only with delete_old_instances = true. Names are fixed
# (NAME-before-RELEASE, NAME-RELEASE), so a rerun finds both.

block {
  task "restore_new" {
    for_each            = task.backup_old.outputs
    serial              = 1
    max_fail_percentage = 0
    depends_on          = [task.verify_version]
    trove_instance {
      cloud             = var.project_cloud
      name              = "${each.key}${local.restore_suffix}"
      backup            = each.value.id
      flavor            = [for i in task.to_move.outputs.instances : i.flavor_id if i.name == each.key][0]
      volume_size       = [for i in task.to_move.outputs.instances : i.volume_size if i.name == each.key][0]
      networks          = [for i in task.to_move.outputs.instances : i.networks if i.name == each.key][0]
      access            = [for i in task.to_move.outputs.instances : i.access if i.name == each.key][0]
      datastore         = var.datastore.name
      datastore_version = var.datastore.new_version
      wait              = { status = "HEALTHY", timeout = var.instance_timeout }
    }
  }

  # Every table of the database, through each instance's address: row
  # counts and CHECKSUM TABLE (verify_data = "checksum").
  task "old_checksum" {
    for_each = var.verify_data == "checksum" ? task.restore_new.outputs : {}
    mysql_checksum {
      from           = "control"
      login_host     = [for i in task.to_move.outputs.instances : i.addresses[0].address if i.name == each.key][0]
      login_user     = var.verify_db.user
      login_password = var.verify_db_password
      database       = var.verify_db.database
    }
  }

  task "new_checksum" {
    for_each = var.verify_data == "checksum" ? task.restore_new.outputs : {}
    mysql_checksum {
      from           = "control"
      login_host     = each.value.addresses[0].address
      login_user     = var.verify_db.user
      login_password = var.verify_db_password
      database       = var.verify_db.database
    }
  }

  # Or the rows themselves of the named tables, as upstream's procedure
  # checks them (`select * from Persons`) (verify_data = "select").
  task "old_rows" {
    for_each = var.verify_data == "select" ? { for p in setproduct(keys(task.restore_new.outputs), var.verify_tables) : "${p[0]}/${p[1]}" => { instance = p[0], table = p[1] } } : {}
    mysql_query {
      from           = "control"
      login_host     = [for i in task.to_move.outputs.instances : i.addresses[0].address if i.name == each.value.instance][0]
      login_user     = var.verify_db.user
      login_password = var.verify_db_password
      database       = var.verify_db.database
      sql            = "SELECT * FROM `${each.value.table}` ORDER BY 1"
    }
  }

  task "new_rows" {
    for_each = var.verify_data == "select" ? { for p in setproduct(keys(task.restore_new.outputs), var.verify_tables) : "${p[0]}/${p[1]}" => { instance = p[0], table = p[1] } } : {}
    mysql_query {
      from           = "control"
      login_host     = task.restore_new.outputs[each.value.instance].addresses[0].address
      login_user     = var.verify_db.user
      login_password = var.verify_db_password
      database       = var.verify_db.database
      sql            = "SELECT * FROM `${each.value.table}` ORDER BY 1"
    }
  }

  # Or only what Trove's API says the guests hold: database and user names
  # (verify_data = "api"; no rows compared).
  task "old_contents" {
    for_each = var.verify_data == "api" ? task.restore_new.outputs : {}
    trove_instance {
      cloud  = var.project_cloud
      action = "contents"
      id     = [for i in task.to_move.outputs.instances : i.id if i.name == each.key][0]
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

  task "verify_restored" {
    for_each = var.verify_data == "none" ? {} : task.restore_new.outputs
    assert {
      conditions = var.verify_data == "checksum" ? [{
        condition = task.old_checksum.outputs[each.key].checksum == task.new_checksum.outputs[each.key].checksum
        message   = "${each.key}${local.restore_suffix} does not hold what ${each.key} holds: ${join(", ", [for t, v in task.old_checksum.outputs[each.key].tables : "${t} ${v.rows} rows -> ${try(task.new_checksum.outputs[each.key].tables[t].rows, "missing")}" if try(task.new_checksum.outputs[each.key].tables[t].checksum, "") != v.checksum])}"
        }] : var.verify_data == "api" ? [for what in ["databases", "users"] : {
        condition = task.old_contents.outputs[each.key][what] == task.new_contents.outputs[each.key][what]
        message   = "${each.key}${local.restore_suffix} has ${what} ${join(",", task.new_contents.outputs[each.key][what])}, ${each.key} has ${join(",", task.old_contents.outputs[each.key][what])}"
        }] : [for t in var.verify_tables : {
        condition = jsonencode(task.old_rows.outputs["${each.key}/${t}"].rows) == jsonencode(task.new_rows.outputs["${each.key}/${t}"].rows)
        message   = "${t}: ${each.key}${local.restore_suffix} has ${length(task.new_rows.outputs["${each.key}/${t}"].rows)} rows, ${each.key} ${length(task.old_rows.outputs["${each.key}/${t}"].rows)}, or they differ"
      }]
      success_msg = "${each.key}${local.restore_suffix} holds what ${each.key} held"
    }
  }

  # Only now, only when asked: the old instance goes. Its backup stays.
  task "delete_old" {
    for_each   = var.delete_old_instances ? task.restore_new.outputs : {}
    depends_on = [task.verify_restored]
    trove_instance {
      cloud   = var.project_cloud
      action  = "delete"
      id      = [for i in task.to_move.outputs.instances : i.id if i.name == each.key][0]
      confirm = true
    }
  }

  # A restore that failed or did not verify must not be mistaken for the
  # upgraded database: delete the half-made restored instance (the backup
  # stays, and the old instance was never touched). Fix the cause, run again.
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
          message   = "a restore or its verification failed (see above); half-made restored instances were deleted, the old instances and their backups are untouched"
        }]
      }
    }
  }
}

# --- the gate -----------------------------------------------------------------
# Never green while an instance is not: every instance of the datastore, in
# every project, after this run's changes (and on a rerun that had nothing
# left to do): none in ERROR (ERROR, BUILDING_ERROR_SERVER ...), every one
# ACTIVE with its database HEALTHY, idle, and (in place) on the new image.
task "fleet_after" {
  when       = contains(var.phases, "instances")
  depends_on = [task.rebuild_guest, task.upgrade_version, task.delete_old, task.verify_restored]
  trove_instance {
    cloud        = var.admin_cloud
    action       = "list"
    all_projects = true
    datastore    = var.datastore.name
  }
}

task "gate" {
  when = contains(var.phases, "instances") && (!runbook.check_mode)
  assert {
    conditions = concat([{ condition = true, message = "" }], [
      for i in task.fleet_after.outputs.instances : {
        condition = i.status == "ACTIVE" && i.operating_status == "HEALTHY" && (i.task == "" || i.task == "No tasks for the instance.") && (var.upgrade_mode != "in-place" || length(var.instance_names) > 0 || i.image_id == local.version_image)
        message   = "instance ${i.name} (${i.id}, project ${i.tenant_id}) is ${i.status}/${i.operating_status}${i.fault == "" ? "" : " (${i.fault})"}${i.task == "" || i.task == "No tasks for the instance." ? "" : ", busy: ${i.task}"}, ${i.datastore.type} ${i.datastore.version} on image ${i.image_id}"
      }
    ])
    success_msg = "every ${var.datastore.name} instance is ACTIVE/HEALTHY${var.upgrade_mode == "in-place" ? " on image ${local.version_image}" : ""}"
  }
}
