task "hello" {
  hosts       = "all"
  delegate_to = "ctl9"
  command {
    argv = ["true"]
  }
}
