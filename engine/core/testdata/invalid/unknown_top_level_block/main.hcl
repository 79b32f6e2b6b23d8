task "hello" {
  command {
    argv = ["true"]
  }
}

playbook "site" {
  hosts = "all"
}
