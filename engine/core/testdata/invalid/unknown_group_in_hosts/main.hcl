task "hello" {
  hosts = group.controlers
  command {
    argv = ["true"]
  }
}
