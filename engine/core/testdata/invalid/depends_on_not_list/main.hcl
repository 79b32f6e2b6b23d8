task "a" {
  command {
    argv = ["true"]
  }
}

task "b" {
  depends_on = "task.a"
  command {
    argv = ["true"]
  }
}
