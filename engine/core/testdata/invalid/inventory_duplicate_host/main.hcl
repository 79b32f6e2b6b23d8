task "hello" {
  hosts = "all"
  command {
    argv = ["true"]
  }
}
