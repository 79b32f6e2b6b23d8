variable "release" {
  type    = string
  default = "victoria"
}

task "hello" {
  command {
    argv = ["echo", var.release]
  }
}
