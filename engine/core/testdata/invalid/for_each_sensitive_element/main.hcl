variable "token" {
  type      = string
  sensitive = true
}

task "t" {
  for_each = [var.token, "plain"]
  command {
    argv = ["echo", each.key]
  }
}
