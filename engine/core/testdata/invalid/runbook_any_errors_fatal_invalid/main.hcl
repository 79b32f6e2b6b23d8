runbook {
  any_errors_fatal = "sometimes"
}

task "hello" {
  command {
    argv = ["true"]
  }
}
