runbook {
  serial = task.count.outputs.rc
}

task "count" {
  command {
    argv = ["true"]
  }
}
