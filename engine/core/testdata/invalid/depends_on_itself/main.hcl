task "a" {
  depends_on = [task.a]
  command {
    argv = ["true"]
  }
}
