block {
  hosts = var.nope
  task "a" {
    command {
      argv = ["true"]
    }
  }
  task "b" {
    command {
      argv = ["true"]
    }
  }
}
