task "hello" {
  hosts  = "localhost"
  serial = tolist(["1", null])
  command {
    argv = ["true"]
  }
}
