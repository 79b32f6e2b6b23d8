# want: Invalid host name @ 2:6
host "web 1" {}
