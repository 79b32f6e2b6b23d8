variable "ports" {
  type    = list(number)
  default = ["eighty", "443"]
}

task "hello" {
  command {
    argv = ["echo", join(",", var.ports)]
  }
}
