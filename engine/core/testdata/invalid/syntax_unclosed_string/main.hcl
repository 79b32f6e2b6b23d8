task "hello" {
  command {
    argv = ["echo", "hello]
  }
}
