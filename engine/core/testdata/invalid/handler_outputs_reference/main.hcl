handler "restart" {
  command {
    argv = ["systemctl", "restart", "trove-api"]
  }
}

task "hello" {
  command {
    argv = ["echo", handler.restart.outputs.stdout]
  }
}
