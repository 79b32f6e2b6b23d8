# Controllers: the schema first (once, the controllers share the database),
# then the options, then a restart of whatever still runs older code or
# config than what is installed, one controller at a time.

locals {
  release_script  = file("files/trove-release.py")
  services_script = file("files/trove-services.sh")
  # The schema after the migration; the services before and after the
  # restart (files/trove-services.sh state), as this host sees them.
  schema       = jsondecode(task.schema_after.outputs.stdout)
  services     = jsondecode(task.services_before.outputs.stdout)
  services_now = jsondecode(task.services_after.outputs.stdout)
}

# Trove 2024.2+ migrates with alembic; a database still under
# sqlalchemy-migrate (48: Wallaby to 2023.1, 49: 2023.2/2024.1) is first
# stamped with the alembic revision it equals. Trove's own db_upgrade means
# to do that (_migrate_legacy_database) but fails on SQLAlchemy 2.0 (Debian
# 13's Trove 23: Row.values()), so the stamp is its own step, done the way
# Trove's code does it (alembic's stamp), and only when the facts say so.
task "stamp_schema" {
  hosts      = group.trove_manage
  run_once   = true
  depends_on = [task.db_dump_kept]
  when       = contains(var.phases, "controllers") && (local.release.stamp != "")
  container  = try(host.vars.trove_container, null)
  command {
    argv  = concat(host.vars.trove_python, ["-", host.vars.trove_conf, "stamp", local.release.stamp])
    stdin = local.release_script
  }
  changed_when = true # it runs only when a stamp is due: check says "would change"
}

# The migration, only when the schema is behind the installed code.
# trove-manage can log an error and exit 0: its output decides too, and
# schema_at_head below is the proof.
task "migrate_db" {
  hosts      = group.trove_manage
  run_once   = true
  depends_on = [task.stamp_schema]
  when       = contains(var.phases, "controllers") && (!local.release.at_head)
  container  = try(host.vars.trove_container, null)
  timeout    = "30m"
  command {
    argv = concat(host.vars.trove_manage, ["--config-file", host.vars.trove_conf, "db_upgrade"])
  }
  failed_when  = self.failed || can(regex("(?i)(traceback|critical|error:)", "${self.outputs.stdout}\n${self.outputs.stderr}"))
  changed_when = true # it runs only when the schema is behind: check says "would change"
}

# Read the schema again: it must be the installed code's head.
task "schema_after" {
  hosts      = group.trove_manage
  run_once   = true
  read_only  = true
  depends_on = [task.migrate_db]
  container  = try(host.vars.trove_container, null)
  command {
    argv  = concat(host.vars.trove_python, ["-", host.vars.trove_conf])
    stdin = local.release_script
  }
}

task "schema_at_head" {
  when = contains(var.phases, "controllers") && (!runbook.check_mode)
  assert {
    conditions = [{
      condition = local.schema.at_head
      message   = "the Trove database is at ${local.schema.current_tool} ${local.schema.current} after the migration, not at the installed code's head ${local.schema.head}: see migrate_db's output; the dump taken before is in ${var.dump_dir}"
    }]
    success_msg = "schema at ${local.schema.head} (${local.schema.schema_tool})"
  }
}

# Options of the new release. [DEFAULT] of trove.conf, then the guest's
# file: docker_image, backup_docker_image and the other guest-agent options
# are read by the guest from trove-guestagent.conf, which Trove injects
# into every instance at create and rebuild (guest_config in trove.conf),
# so a rebuild after this picks them up.
task "conf_default" {
  for_each   = toset(try(host.vars.conf_files, [host.vars.trove_conf]))
  hosts      = group.controller
  when       = contains(var.phases, "controllers") && (length(var.conf_default) > 0 || var.transport_url != "")
  depends_on = [task.preflight_ok]
  ini {
    path    = each.value
    section = "DEFAULT"
    values  = merge(var.conf_default, var.transport_url == "" ? {} : { transport_url = var.transport_url })
    backup  = true
  }
}

task "guest_conf" {
  when       = contains(var.phases, "controllers")
  for_each   = var.guest_conf
  hosts      = group.controller
  serial     = 1 # one edit of the file at a time
  depends_on = [task.preflight_ok]
  ini {
    path    = host.vars.guest_conf
    section = each.key
    values  = each.value
    backup  = true
  }
}

# What runs here against what is installed: the change time of the code
# (host var code_paths) and of trove.conf, after the edits above. In check
# mode, after an edit that would happen, this is known only after apply.
task "services_before" {
  when       = contains(var.phases, "controllers")
  hosts      = group.controller
  read_only  = true
  depends_on = [task.conf_default]
  command {
    argv  = concat(["sh", "-s", "state", try(host.vars.service_manager, "systemd")], host.vars.code_paths, try(host.vars.conf_paths, [host.vars.trove_conf]), ["--"], host.vars.trove_units)
    stdin = local.services_script
  }
}

# Restart what is stale, one controller at a time (controller_serial), each
# waited until its services stay up and its own API answers before the next
# one goes: a fleet of controllers never loses its API, and never keeps
# serving old code. apache2 is in trove_units where it serves the API
# (DevStack, Victoria to 2024.2).
task "restart" {
  hosts               = group.controller
  serial              = var.controller_serial
  max_fail_percentage = 0
  # new code on the new schema; backup-restore mode: only once every old
  # instance is backed up (the old controller must serve those backups)
  depends_on = [task.schema_at_head, task.backup_old]
  when       = contains(var.phases, "controllers") && (length(local.services.stale) > 0)
  command {
    argv  = concat(["sh", "-s", "restart", try(host.vars.service_manager, "systemd"), try(host.vars.trove_api_url, ""), trimsuffix(var.restart_timeout, "s"), "--"], local.services.stale)
    stdin = local.services_script
  }
  changed_when = true # it runs only when a service is stale: check says "would change"
}

# The proof: nothing runs older code or config than what is installed.
task "services_after" {
  when       = contains(var.phases, "controllers")
  hosts      = group.controller
  read_only  = true
  depends_on = [task.restart]
  command {
    argv  = concat(["sh", "-s", "state", try(host.vars.service_manager, "systemd")], host.vars.code_paths, try(host.vars.conf_paths, [host.vars.trove_conf]), ["--"], host.vars.trove_units)
    stdin = local.services_script
  }
}

task "new_code_serving" {
  hosts = group.controller
  when  = contains(var.phases, "controllers") && (!runbook.check_mode)
  assert {
    conditions = [
      {
        condition = length(local.services_now.stale) == 0
        message   = "${host.name}: ${join(", ", local.services_now.stale)} still run(s) code or config older than what is installed"
      },
      {
        # A Trove process no listed service accounts for (apache2 serving
        # the API through mod_wsgi, left out of trove_units) still runs the
        # old code: the API would answer from it.
        condition = length(local.services_now.stale_processes) == 0
        message   = "${host.name}: Trove processes started before the installed code still run: ${join("; ", [for p in local.services_now.stale_processes : "pid ${p.pid} ${trimspace(p.command)}"])}: add the service that runs them to trove_units (apache2 where it serves the API)"
      },
    ]
    success_msg = "${host.name}: every Trove service runs the installed code"
  }
}
