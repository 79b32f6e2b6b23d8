task "hello" {
  timeout = "20 minutes"
  command {
    argv = ["sleep", "10"]
  }
}
