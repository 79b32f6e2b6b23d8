task "a" {
  command {
    argv = ["true"]
  }
}

task "b" {
  depends_on = [task.a.outputs]
  command {
    argv = ["true"]
  }
}
