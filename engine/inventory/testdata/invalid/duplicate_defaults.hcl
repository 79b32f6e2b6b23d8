# want: Duplicate defaults block @ 6:1
defaults {
  user = "a"
}

defaults {
  user = "b"
}
