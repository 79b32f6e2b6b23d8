task "hello" {
  hosts = tolist(["localhost", null])
  command {
    argv = ["true"]
  }
}
