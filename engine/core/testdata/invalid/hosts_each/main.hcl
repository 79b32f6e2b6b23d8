task "hello" {
  for_each = ["a", "b"]
  hosts    = each.value
  command {
    argv = ["true"]
  }
}
