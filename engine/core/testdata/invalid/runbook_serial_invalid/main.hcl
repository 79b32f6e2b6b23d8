runbook {
  serial = "half"
}
task "a" {
  hosts = "localhost"
  command {
    argv = ["true"]
  }
}
task "b" {
  hosts = "localhost"
  command {
    argv = ["true"]
  }
}
