# want: Unsupported argument @ 4:3
host "ctl1" {
  address  = "10.0.0.11"
  adress   = "typo"
}
