# want: Invalid port @ 3:13
host "ctl1" {
  port    = 70000
}
