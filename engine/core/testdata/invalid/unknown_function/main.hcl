task "hello" {
  command {
    argv = ["echo", uppercase("hello")]
  }
}
