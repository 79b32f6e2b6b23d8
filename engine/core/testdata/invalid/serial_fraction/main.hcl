task "a" {
  serial = 1.5
  command {
    argv = ["true"]
  }
}
