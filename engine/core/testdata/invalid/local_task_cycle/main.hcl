locals {
  v = task.a.outputs.stdout
}

task "a" {
  command {
    argv = ["echo", local.v]
  }
}
