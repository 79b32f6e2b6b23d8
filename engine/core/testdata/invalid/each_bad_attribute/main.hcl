task "hello" {
  for_each = ["a", "b"]
  command {
    argv = ["echo", each.item]
  }
}
