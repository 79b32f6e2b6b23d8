# want: Invalid host_key_checking @ 3:23
defaults {
  host_key_checking = "no"
}
