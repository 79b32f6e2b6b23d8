variable "dir" {
  type = string
}

variable "db_password" {
  type      = string
  sensitive = true
}

locals {
  dsn = "mysql://trove:${var.db_password}@127.0.0.1/trove"
}

task "echo_it" {
  shell {
    cmd = "echo connecting to ${local.dsn}; echo also ${var.db_password} >&2"
  }
}

task "fail_with_it" {
  shell {
    cmd = "echo bad password ${var.db_password} >&2; exit 1"
  }
  depends_on = [task.echo_it]
}
