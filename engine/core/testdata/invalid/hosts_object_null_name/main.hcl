task "hello" {
  hosts = { name = null, hosts = [] }
  command {
    argv = ["true"]
  }
}
