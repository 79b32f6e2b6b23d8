task "hello" {
  when = "maybe"
  command {
    argv = ["true"]
  }
}
