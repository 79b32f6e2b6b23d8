variable "forks" {
  type    = number
  default = 5
}

task "hello" {
  command {
    argv = ["echo", tostring(var.forks)]
  }
}
