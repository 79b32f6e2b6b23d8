variable "release" {
  type = strang
}

task "hello" {
  command {
    argv = ["echo", var.release]
  }
}
