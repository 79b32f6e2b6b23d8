# want: Jump cycle @ 7:11
host "a" {
  jump = ["b"]
}

host "b" {
  jump = ["a"]
}
