locals {
  a = "${local.b}-x"
  b = "${local.a}-y"
}

task "hello" {
  command {
    argv = ["echo", local.a]
  }
}
