task "hello" {
  retries = 3
  until   = self.outputs.status == "ok"
  noop {
    message = "hi"
  }
}
