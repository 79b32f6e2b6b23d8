task "hello" {
  command {
    creates = "/tmp/hello"
  }
}
