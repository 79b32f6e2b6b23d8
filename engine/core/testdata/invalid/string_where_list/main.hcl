variable "cmd" {
  type    = string
  default = "uptime"
}

task "hello" {
  command {
    argv = var.cmd
  }
}
