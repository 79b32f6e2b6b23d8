task "build" {
  command {
    argv = ["make"]
  }
}

# A local may read task outputs, but hosts must be known before the run.
locals {
  out = [task.build.outputs.stdout]
}

task "hello" {
  hosts = local.out
  command {
    argv = ["echo", "hi"]
  }
}
