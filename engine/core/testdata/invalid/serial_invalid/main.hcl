task "hello" {
  hosts  = "all"
  serial = "half"
  command {
    argv = ["true"]
  }
}
