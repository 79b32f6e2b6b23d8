# Pre-flight: read everything, change nothing. Every task that changes
# something later waits for task.preflight_ok, so a wrong release path or
# an unwell fleet stops the run before the first change (and check mode
# says so too: these tasks read for real in a check).

# What each controller has installed, and the schema of the shared Trove
# database as that code sees it (files/trove-release.py, run with the
# Python Trove is installed for; the script travels on stdin).
task "trove_release" {
  hosts     = group.controller
  read_only = true
  container = try(host.vars.trove_container, null)
  command {
    argv  = concat(host.vars.trove_python, ["-", host.vars.trove_conf, "--from", var.from_release])
    stdin = file("files/trove-release.py")
  }
}

locals {
  # What files/trove-release.py found on this host (the first controller's
  # for the control node: they agree, release_path checks it).
  release = jsondecode(task.trove_release.outputs.stdout)
}

# The release path: one release installed everywhere, the one asked for,
# and a schema that code can migrate (Trove's own rules, see the script's
# `refuse`: never a downgrade, alembic code only from a Wallaby-or-later
# sqlalchemy-migrate schema).
task "release_path" {
  assert {
    conditions = concat(
      [for h, r in task.trove_release.hosts : {
        condition = jsondecode(r.outputs.stdout).refuse == ""
        message   = "${h}: refusing this upgrade: ${jsondecode(r.outputs.stdout).refuse}"
      }],
      [for h, r in task.trove_release.hosts : {
        condition = var.allow_release_jump || jsondecode(r.outputs.stdout).path == ""
        message   = "${h}: refusing this upgrade: ${jsondecode(r.outputs.stdout).path} (or set allow_release_jump = true)"
      }],
      [for h, r in task.trove_release.hosts : {
        condition = jsondecode(r.outputs.stdout).in_place_guests || var.upgrade_mode == "backup-restore"
        message   = "${h}: guests of ${var.from_release} cannot be rebuilt into the containerised guests of Victoria and later: use upgrade_mode = \"backup-restore\""
      }],
      [for h, r in task.trove_release.hosts : {
        condition = var.target_release == "" || jsondecode(r.outputs.stdout).release == var.target_release
        message   = "${h} has Trove ${jsondecode(r.outputs.stdout).version} (${jsondecode(r.outputs.stdout).release}) installed, not ${var.target_release}: install ${var.target_release}'s Trove on every controller first (packages, checkout or images), then run again"
      }],
      [{
        condition = length(distinct([for h, r in task.trove_release.hosts : jsondecode(r.outputs.stdout).version])) == 1
        message   = "the controllers have different Trove code installed (${join(", ", [for h, r in task.trove_release.hosts : "${h}: ${jsondecode(r.outputs.stdout).version}"])}): install one release everywhere first"
      }],
    )
    success_msg = "Trove ${jsondecode(values(task.trove_release.hosts)[0].outputs.stdout).version} (${jsondecode(values(task.trove_release.hosts)[0].outputs.stdout).release}) on every controller; schema ${jsondecode(values(task.trove_release.hosts)[0].outputs.stdout).current} -> ${jsondecode(values(task.trove_release.hosts)[0].outputs.stdout).head}"
  }
}

# Every instance of every project, with its server and the image the server
# runs (management API + Nova, admin): the fleet before anything changes.
task "fleet_before" {
  trove_instance {
    cloud        = var.admin_cloud
    action       = "list"
    all_projects = true
  }
}

# Do not start a rolling upgrade of a fleet that is already unwell: an
# instance in ERROR, not HEALTHY by its database's own status (since
# Wallaby `status` is the server's, `operating_status` the database's), or
# busy with a task (a guest mid-task when its controller restarts can be
# left failed) needs a human first.
task "fleet_healthy" {
  assert {
    conditions = concat([{ condition = true, message = "" }], [
      for i in task.fleet_before.outputs.instances : {
        condition = i.status == "ACTIVE" && i.operating_status == "HEALTHY" && (i.task == "" || i.task == "No tasks for the instance.")
        message   = "instance ${i.name} (${i.id}, project ${i.tenant_id}) is ${i.status}/${i.operating_status}${i.task == "" || i.task == "No tasks for the instance." ? "" : ", busy: ${i.task}"}${i.fault == "" ? "" : ": ${i.fault}"}: fix it first (or delete it)"
      } if i.datastore.type == var.datastore.name
    ])
    success_msg = "every ${var.datastore.name} instance is ACTIVE/HEALTHY and idle"
  }
}

# Trove's own pre-upgrade check, of the installed code (trove-status upgrade
# check: instances with running tasks, policy file format). Exit 1 is a
# warning, 2 a failure: both stop the run (trove_status_ok), with one
# exception. Its instances_with_running_tasks check counts every instance
# that is not deleted, busy or not (trove/cmd/status.py filters on
# `DBInstance.task_status != InstanceTasks.NONE`, a Python property, not a
# column: the filter is always true; Zed to 2025.1), so it warns on any
# cloud with instances. fleet_healthy above checks every instance's task
# for real; that one warning alone does not stop the run.
task "trove_status" {
  hosts     = group.trove_manage
  run_once  = true
  read_only = true
  when      = var.trove_status
  container = try(host.vars.trove_container, null)
  command {
    argv = concat(host.vars.trove_python, ["-m", "trove.cmd.status", "--config-file", host.vars.trove_conf, "upgrade", "check"])
  }
  failed_when = self.outputs.rc > 2 || self.outputs.rc < 0
}

locals {
  # The checks trove-status did not pass: [name, Warning|Failure].
  status_findings = [for m in regexall("Check: ([^|\\n]*[^ |\\n]) *\\|\\n\\| Result: (Warning|Failure)", try(task.trove_status.outputs.stdout, "")) : m]
}

task "trove_status_ok" {
  when = var.trove_status
  assert {
    conditions = [{
      condition = task.trove_status.outputs.rc == 0 || alltrue([for f in local.status_findings : f[0] == "instances_with_running_tasks" && f[1] == "Warning"])
      message   = "trove-status upgrade check (the installed code's own pre-upgrade check) says: ${join("; ", [for f in local.status_findings : "${f[0]}: ${f[1]}"])}${length(local.status_findings) == 0 ? "exit ${task.trove_status.outputs.rc}: ${task.trove_status.outputs.stderr}" : ""}"
    }]
    success_msg = task.trove_status.outputs.rc == 0 ? "trove-status upgrade check passed" : "trove-status upgrade check: only its instances_with_running_tasks warning (counts every instance; fleet_healthy checked each one's task)"
  }
}

# Room for the dump, on the control node.
task "dump_dir" {
  read_only = true
  command {
    argv = ["sh", "-c", "mkdir -p -- \"$1\" && df -Pk -- \"$1\" | awk 'NR==2 {print $4}'", "sh", var.dump_dir]
  }
}

task "space" {
  assert {
    conditions = [{
      condition = tonumber(trimspace(task.dump_dir.outputs.stdout)) >= var.min_free_mb * 1024
      message   = "${var.dump_dir} has ${floor(tonumber(trimspace(task.dump_dir.outputs.stdout)) / 1024)} MiB free, less than min_free_mb = ${var.min_free_mb}"
    }]
  }
}

# All of the above holds: the tasks that change anything wait for this.
task "preflight_ok" {
  depends_on = [task.release_path, task.fleet_healthy, task.trove_status_ok, task.space]
  assert {
    conditions  = [{ condition = true, message = "" }]
    success_msg = "pre-flight passed"
  }
}

# The Trove database, dumped before a migration that has no downgrade, and
# kept on the control node. Named after the schema it holds, written only
# once per schema (a rerun after a failed migration never overwrites the
# dump taken before it).
task "db_dump" {
  hosts      = group.trove_manage
  run_once   = true
  depends_on = [task.preflight_ok, task.backup_old] # backups first: the migration is the first change
  when       = contains(var.phases, "controllers") && (!local.release.at_head)
  container  = try(host.vars.trove_container, null)
  timeout    = "30m"
  command {
    argv    = concat(host.vars.trove_python, ["-", host.vars.trove_conf, "dump", "${var.host_dump_dir}trove-db-schema-${local.release.current}.sql.gz"])
    stdin   = file("files/trove-release.py")
    creates = "${var.host_dump_dir}trove-db-schema-${local.release.current}.sql.gz"
  }
}

task "db_dump_kept" {
  hosts      = group.trove_manage
  run_once   = true
  depends_on = [task.db_dump]
  when       = contains(var.phases, "controllers") && (!local.release.at_head)
  container  = try(host.vars.trove_container, null)
  fetch {
    src  = "${var.host_dump_dir}trove-db-schema-${local.release.current}.sql.gz"
    dest = var.dump_dir
    flat = true
  }
}
