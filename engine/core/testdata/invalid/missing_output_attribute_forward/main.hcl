task "upload" {
  command {
    argv = ["upload", task.build.outputs.path]
  }
}

task "build" {
  command {
    argv = ["make"]
  }
}
