# want: Invalid transport @ 3:15
host "ctl1" {
  transport = "winrm"
}
