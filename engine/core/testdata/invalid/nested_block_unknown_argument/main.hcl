task "hello" {
  noop {
    message = "hi"
    options {
      verbose = true
      color   = "red"
    }
  }
}
