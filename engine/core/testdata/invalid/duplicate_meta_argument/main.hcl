task "hello" {
  when = true
  when = false
  command {
    argv = ["true"]
  }
}
