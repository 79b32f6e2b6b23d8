task "build" {
  command {
    argv = ["make"]
  }
}

locals {
  out = task.build.outputs.stdout
}

task "hello" {
  command {
    argv = ["echo", local.out]
  }
}
