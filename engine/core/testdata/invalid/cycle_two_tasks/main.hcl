task "a" {
  command {
    argv = ["echo", task.b.outputs.stdout]
  }
}

task "b" {
  command {
    argv = ["echo", task.a.outputs.stdout]
  }
}
