task "a" {
  command {
    argv = ["true"]
  }
}

task "b" {
  depends_on = [task.a, task.c]
  command {
    argv = ["true"]
  }
}
