task "1st-task" {
  command {
    argv = ["true"]
  }
}
