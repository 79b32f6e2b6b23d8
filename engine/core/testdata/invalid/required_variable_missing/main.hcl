variable "admin_password" {
  type      = string
  sensitive = true
}

task "hello" {
  command {
    argv = ["openstack", "--os-password", var.admin_password, "token", "issue"]
  }
}
