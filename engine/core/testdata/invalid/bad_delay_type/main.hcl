task "hello" {
  retries = 3
  delay   = true
  command {
    argv = ["true"]
  }
}
