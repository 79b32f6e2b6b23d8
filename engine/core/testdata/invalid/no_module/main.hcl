task "hello" {
  hosts = "localhost"
}
