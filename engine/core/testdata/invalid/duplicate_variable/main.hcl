variable "release" {
  type = string
}

variable "release" {
  type = number
}

task "hello" {
  command {
    argv = ["echo", var.release]
  }
}
