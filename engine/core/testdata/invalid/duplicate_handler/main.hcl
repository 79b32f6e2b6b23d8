handler "restart" {
  command {
    argv = ["systemctl", "restart", "a"]
  }
}

handler "restart" {
  command {
    argv = ["systemctl", "restart", "b"]
  }
}
