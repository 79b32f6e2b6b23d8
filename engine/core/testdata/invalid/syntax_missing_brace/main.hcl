task "hello" {
  command {
    argv = ["true"]
  }

task "world" {
  command {
    argv = ["true"]
  }
}
