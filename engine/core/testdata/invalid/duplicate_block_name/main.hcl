block {
  name = "upgrade"
  task "a" {
    command {
      argv = ["true"]
    }
  }
}

block {
  name = "upgrade"
  task "b" {
    command {
      argv = ["true"]
    }
  }
}
