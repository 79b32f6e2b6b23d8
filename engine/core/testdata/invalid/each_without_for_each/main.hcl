task "hello" {
  command {
    argv = ["echo", each.value]
  }
}
