runbook {
  max_fail_percentage = [10]
}

task "hello" {
  command {
    argv = ["true"]
  }
}
