task "hello" {
  hosts = group.controller
  command {
    argv = ["true"]
  }
}
