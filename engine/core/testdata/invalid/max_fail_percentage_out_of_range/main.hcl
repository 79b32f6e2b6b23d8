runbook {
  max_fail_percentage = 150
}

task "a" {
  max_fail_percentage = -1
  command {
    argv = ["true"]
  }
}
