variable "passwords" {
  type      = map(string)
  sensitive = true
}

task "users" {
  for_each = var.passwords
  command {
    argv = ["useradd", each.key]
  }
}
