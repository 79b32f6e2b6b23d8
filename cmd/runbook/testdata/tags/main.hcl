variable "dir" {
  type = string
}

task "config" {
  hosts = group.web
  tags  = ["config"]
  shell {
    cmd = "touch '${var.dir}/config-${host.name}'"
  }
}

task "restart" {
  hosts = group.web
  tags  = ["restart"]
  shell {
    cmd = "touch '${var.dir}/restart-${host.name}'"
  }
}

task "always" {
  tags = ["always"]
  shell {
    cmd = "touch '${var.dir}/always'"
  }
}
