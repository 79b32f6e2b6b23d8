locals {
  name = "a"
}

locals {
  name = "b"
}

task "hello" {
  command {
    argv = ["echo", local.name]
  }
}
