variable "tag" {
  type    = string
  default = "upgrade"
}

task "hello" {
  tags = [var.tag]
  command {
    argv = ["true"]
  }
}
