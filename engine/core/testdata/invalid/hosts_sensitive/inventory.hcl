host "web1" {
  address = "127.0.0.1"
}
