task "hello" {
  retries = 3
  until   = self.outputs.rc == 0
  command {
    argv = ["echo", self.outputs.stdout]
  }
}
