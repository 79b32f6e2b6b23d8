task "hello" {
  command {
    argv  = ["echo", "hello"]
    shout = true
  }
}
