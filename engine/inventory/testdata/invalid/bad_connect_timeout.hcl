# want: Invalid connect_timeout @ 3:21
defaults {
  connect_timeout = "ten seconds"
}
