# want: Variables not allowed @ 3:15
host "ctl1" {
  address   = var.ctl_address
}
