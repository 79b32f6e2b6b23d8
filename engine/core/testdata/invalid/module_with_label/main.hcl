task "hello" {
  command "x" {
    argv = ["true"]
  }
}
