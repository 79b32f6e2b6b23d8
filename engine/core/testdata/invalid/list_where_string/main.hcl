task "hello" {
  command {
    argv    = ["touch", "/tmp/a"]
    creates = ["/tmp/a", "/tmp/b"]
  }
}
