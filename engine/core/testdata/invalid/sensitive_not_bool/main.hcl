variable "password" {
  type      = string
  sensitive = "yes"
}

task "hello" {
  command {
    argv = ["true"]
  }
}
