task "restart" {
  command {
    argv = ["systemctl", "restart", "trove-api"]
  }
}

task "conf" {
  command {
    argv = ["true"]
  }
  notify = [task.restart]
}
