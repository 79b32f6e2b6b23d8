handler "restart_trove" {
  hosts = group.controller
  systemd {
    units = ["devstack@tr-*"]       # every Trove service DevStack runs
    state = "restarted"
    wait  = { timeout = "60s", stable = "5s" }
  }
}

task "mariadb_enabled" {
  hosts = group.database
  systemd {
    name          = "mariadb"
    state         = "started"
    enabled       = true
    daemon_reload = true
  }
}
