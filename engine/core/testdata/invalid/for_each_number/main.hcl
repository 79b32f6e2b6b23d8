task "hello" {
  for_each = 3
  command {
    argv = ["echo", each.key]
  }
}
