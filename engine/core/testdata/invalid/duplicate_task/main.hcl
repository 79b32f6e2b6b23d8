task "hello" {
  command {
    argv = ["true"]
  }
}

task "hello" {
  command {
    argv = ["false"]
  }
}
