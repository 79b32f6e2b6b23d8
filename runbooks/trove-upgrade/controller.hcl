# Controller side: database schema, configuration, restart.

# Lab only: give controllers that have none a trove.conf to edit (never
# overwrites one that exists).
task "trove_conf_present" {
  hosts      = group.controller
  when       = var.seed_trove_conf != ""
  check_mode = false
  command {
    argv = ["test", "-e", host.vars.trove_conf]
  }
  changed_when = false
  failed_when  = self.outputs.rc > 1
}

task "seed_trove_conf" {
  hosts = group.controller
  when  = var.seed_trove_conf != "" && task.trove_conf_present.outputs.rc != 0
  copy {
    dest    = host.vars.trove_conf
    content = try(file(var.seed_trove_conf), "")
    mode    = "0640"
  }
}

# trove-manage has no db_version and db_upgrade prints nothing, so look at
# the schema first (read-only, also in check mode): "CURRENT HEAD".
task "db_version" {
  hosts      = group.trove_manage
  run_once   = true
  check_mode = false
  script {
    src        = "files/trove-db-version.py" # relative to the runbook folder
    executable = host.vars.trove_python
    args       = [host.vars.trove_conf]
  }
  changed_when = false
  failed_when  = self.failed || length(split(" ", self.outputs.stdout)) != 2
}

# Migrate the schema to what the installed code expects. Once, from one
# host: the controllers share the database. Services of the old code may
# keep running meanwhile (Trove's migrations only add), but restart them
# right after (the handler). trove-manage can log an error and still exit 0,
# so its output decides too; the next run's db_version shows the result.
task "migrate_db" {
  hosts    = group.trove_manage
  run_once = true
  when     = split(" ", task.db_version.outputs.stdout)[0] != split(" ", task.db_version.outputs.stdout)[1]
  timeout  = "30m"
  command {
    argv = [host.vars.trove_manage, "--config-file", host.vars.trove_conf, "db_upgrade"]
  }
  failed_when = self.failed || can(regex("(?i)(error|traceback|critical)", "${self.outputs.stdout}\n${self.outputs.stderr}"))
  notify      = [handler.restart_trove, handler.trove_api_up]
}

# Options of the new release. [DEFAULT] and the datastore's section are two
# tasks in a row: two edits of one file must not run at the same time.
task "conf_default" {
  hosts      = group.controller
  depends_on = [task.seed_trove_conf]
  ini {
    path    = host.vars.trove_conf
    section = "DEFAULT"
    values  = merge(var.conf_default, var.transport_url == "" ? {} : { transport_url = var.transport_url })
    backup  = true
  }
  notify = [handler.restart_trove, handler.trove_api_up]
}

task "conf_datastore" {
  hosts      = group.controller
  depends_on = [task.conf_default]
  ini {
    path    = host.vars.trove_conf
    section = var.datastore.manager
    values  = var.conf_datastore
    backup  = true
  }
  notify = [handler.restart_trove, handler.trove_api_up]
}

# Restart api, conductor and taskmanager together (they talk over RPC with
# versioned objects: mixed releases for long is asking for trouble), and
# only call them up when each stays active for a few seconds: a wrong option
# makes oslo.config services exit right after start.
handler "restart_trove" {
  hosts = group.controller
  systemd {
    units = host.vars.trove_units
    state = "restarted"
    wait  = { timeout = "120s", stable = "5s" }
  }
}

# Then the API must answer (from where the later API tasks run). GET / is
# the version list: 200 (or 300 Multiple Choices on some deployments).
handler "trove_api_up" {
  depends_on = [handler.restart_trove]
  wait_for {
    url     = var.trove_api_url
    status  = [200, 300]
    from    = "control"
    timeout = "2m"
  }
}
