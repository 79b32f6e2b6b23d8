group "a" {
  children = ["b"]
}

group "b" {
  children = ["a"]
}

host "ctl1" {
  address = "127.0.0.1"
  groups  = ["a"]
}
