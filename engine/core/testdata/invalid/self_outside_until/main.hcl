task "hello" {
  when = self.changed
  command {
    argv = ["true"]
  }
}
