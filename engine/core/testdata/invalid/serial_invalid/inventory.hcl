host "ctl1" {
  address = "127.0.0.1"
}

host "ctl2" {
  address = "127.0.0.2"
}
