task "hello" {
  for_each = "a,b,c"
  command {
    argv = ["echo", each.value]
  }
}
