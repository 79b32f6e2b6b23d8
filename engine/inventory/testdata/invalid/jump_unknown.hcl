# want: Unknown jump host @ 7:22
host "bastion" {
  address = "203.0.113.10"
}

host "ctl1" {
  jump = ["bastion", "bastoin"]
}
