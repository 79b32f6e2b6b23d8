handler "restart" {
  command {
    argv = ["systemctl", "restart", "trove-api"]
  }
}

handler "reload" {
  notify = [handler.restart]
  command {
    argv = ["systemctl", "reload", "apache2"]
  }
}
