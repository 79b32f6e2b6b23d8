task "a" {
  command {
    argv = ["echo", task.c.outputs.stdout]
  }
}

task "b" {
  command {
    argv = ["echo", task.a.outputs.stdout]
  }
}

task "c" {
  depends_on = [task.b]
  command {
    argv = ["true"]
  }
}
