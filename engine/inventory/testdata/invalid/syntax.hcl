# want: Missing newline after argument @ 3:24
host "ctl1" {
  address = "10.0.0.1" port = 22
}
