# want: Duplicate host @ 6:6
host "ctl1" {
  address = "10.0.0.11"
}

host "ctl1" {
  address = "10.0.0.12"
}
