task "hello" {
  hosts = "all"
  command {
    argv = ["ping", "-c1", host.ip]
  }
}
