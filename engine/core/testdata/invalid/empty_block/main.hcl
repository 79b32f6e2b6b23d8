block {
  hosts = "localhost"
}
