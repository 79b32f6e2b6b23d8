task "outside" {
  command {
    argv = ["true"]
  }
}
block {
  task "a" {
    command {
      argv = ["true"]
    }
  }
  always {
    task "b" {
      depends_on = [task.after]
      command {
        argv = ["true"]
      }
    }
  }
}
task "after" {
  command {
    argv = ["echo", task.a.outputs.stdout]
  }
}
