# want: Incorrect attribute value type @ 3:15
host "ctl1" {
  become    = "maybe"
}
