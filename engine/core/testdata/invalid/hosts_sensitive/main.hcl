variable "targets" {
  type      = list(string)
  default   = ["web1"]
  sensitive = true
}

task "a" {
  hosts = var.targets
  command {
    argv = ["true"]
  }
}
