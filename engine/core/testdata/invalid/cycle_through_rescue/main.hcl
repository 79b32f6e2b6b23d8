block {
  task "a" {
    command {
      argv = ["echo", task.b.outputs.stdout]
    }
  }
  rescue {
    task "b" {
      command {
        argv = ["true"]
      }
    }
  }
}
