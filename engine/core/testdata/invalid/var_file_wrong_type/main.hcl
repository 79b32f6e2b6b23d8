variable "workers" {
  type    = map(number)
  default = {}
}

task "hello" {
  command {
    argv = ["echo", jsonencode(var.workers)]
  }
}
