# want: Group cycle @ 11:15
group "a" {
  children = ["b"]
}

group "b" {
  children = ["c"]
}

group "c" {
  children = ["a"]
}
