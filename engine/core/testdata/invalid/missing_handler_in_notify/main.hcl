task "conf" {
  command {
    argv = ["crudini", "--set", "/etc/trove/trove.conf", "DEFAULT", "debug", "true"]
  }
  notify = [handler.restart_trove]
}

handler "restart" {
  command {
    argv = ["systemctl", "restart", "trove-api"]
  }
}
