task "hello" {
  hosts = group.controllers
  command {
    argv = ["true"]
  }
}
