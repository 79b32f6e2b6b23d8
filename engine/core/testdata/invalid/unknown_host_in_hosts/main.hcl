task "hello" {
  hosts = ["ctl1", "ctl9"]
  command {
    argv = ["true"]
  }
}
