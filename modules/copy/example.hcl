task "motd" {
  hosts = group.controller
  copy {
    dest    = "/etc/motd"
    content = "Managed by runbook: ${host.name}\n"
  }
}

task "api_paste" {
  hosts = group.controller
  copy {
    src    = "files/api-paste.ini"   # on the control node, relative to the working directory
    dest   = "/etc/trove/api-paste.ini"
    owner  = "root"
    group  = "trove"
    mode   = "0640"
    backup = true
  }
  notify = [handler.restart_trove]
}

task "db_password_file" {
  hosts = group.controller
  copy {
    dest    = "/etc/trove/db.secret"
    content = var.db_password              # sensitive: the diff says "(sensitive)"
    mode    = "0600"
  }
}
