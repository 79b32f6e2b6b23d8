task "a" {
  command {
    argv = ["echo", task.a.outputs.stdout]
  }
}
