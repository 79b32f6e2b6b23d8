variable "ports" {
  type    = list(number)
  default = [80, 443]
}

task "hello" {
  command {
    argv = ["echo", upper(var.ports)]
  }
}
