variable "instances" {
  type    = list(object({ name = string, id = string }))
  default = []
}

task "upgrade" {
  for_each = var.instances
  command {
    argv = ["upgrade", each.value.id]
  }
}

task "literal" {
  for_each = [{ name = "db1" }]
  command {
    argv = ["echo", each.key]
  }
}
