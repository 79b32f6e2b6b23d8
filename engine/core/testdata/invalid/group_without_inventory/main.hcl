task "hello" {
  hosts = [group.controller, "localhost"]
  command {
    argv = ["true"]
  }
}
