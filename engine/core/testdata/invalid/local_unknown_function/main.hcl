locals {
  name = uppercase("hello")
}

task "hello" {
  command {
    argv = ["echo", local.name]
  }
}
