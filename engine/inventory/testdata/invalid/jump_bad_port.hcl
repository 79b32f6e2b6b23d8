# want: Invalid jump @ 3:11
host "ctl1" {
  jump = ["ops@bastion.lab:0"]
}
