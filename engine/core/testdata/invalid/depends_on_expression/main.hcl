task "a" {
  command {
    argv = ["true"]
  }
}

task "b" {
  depends_on = [lower("task.a")]
  command {
    argv = ["true"]
  }
}
