task "hello" {
  hosts = { name = 42, hosts = [] }
  command {
    argv = ["true"]
  }
}
