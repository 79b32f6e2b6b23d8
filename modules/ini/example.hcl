task "trove_conf" {
  hosts = group.controller
  ini {
    path    = "/etc/trove/trove.conf"
    section = "DEFAULT"
    values = {
      transport_url       = var.transport_url         # a URL's password is never shown
      debug               = false
      notification_topics = ["notifications", "trove"] # a multi-valued option: one line each
    }
    absent = ["rpc_backend"]
    backup = true
  }
  notify = [handler.restart_trove]
}

task "trove_db" {
  hosts = group.controller
  ini {
    path    = "/etc/trove/trove.conf"
    section = "database"
    values  = { connection = var.trove_db_url }
  }
  notify = [handler.restart_trove]
}

task "guest_conf" {
  hosts = group.controller
  ini {
    path    = "/etc/trove/trove-guestagent.conf"
    section = "DEFAULT"
    values  = { log_dir = "/var/log/trove" }
    create  = true
    owner   = "root"
    group   = "trove"
    mode    = "0640"
  }
}
