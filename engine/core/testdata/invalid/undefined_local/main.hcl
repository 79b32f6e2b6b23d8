locals {
  image_name = "trove-guest"
}

task "hello" {
  command {
    argv = ["echo", local.image]
  }
}
