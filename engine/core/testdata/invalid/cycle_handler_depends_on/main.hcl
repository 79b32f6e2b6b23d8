task "conf" {
  depends_on = [handler.restart]
  notify     = [handler.restart]
  command {
    argv = ["true"]
  }
}

handler "restart" {
  command {
    argv = ["systemctl", "restart", "trove-api"]
  }
}
