task "build" {
  command {
    argv = ["make"]
  }
}

task "upload" {
  command {
    argv = ["upload", task.build.outputs.path]
  }
}
