# A local is the same for every host: it cannot read host.
locals {
  name = host.name
}

task "hello" {
  command {
    argv = ["echo", local.name]
  }
}
