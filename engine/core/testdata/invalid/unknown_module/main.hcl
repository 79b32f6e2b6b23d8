task "hello" {
  comand {
    argv = ["true"]
  }
}
