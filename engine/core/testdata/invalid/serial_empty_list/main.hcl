runbook {
  serial = []
}

task "a" {
  command {
    argv = ["true"]
  }
}
