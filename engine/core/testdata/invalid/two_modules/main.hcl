task "hello" {
  command {
    argv = ["true"]
  }
  noop {
    message = "hi"
  }
}
