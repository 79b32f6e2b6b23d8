task "hello" {
  retries = "three"
  command {
    argv = ["true"]
  }
}
