task "hello" {
  hosts = 42
  command {
    argv = ["true"]
  }
}
