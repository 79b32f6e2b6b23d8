# want: Duplicate group @ 4:7
group "controller" {}

group "controller" {
  vars = { a = 1 }
}
