runbook {
  become_password = var.sudo_password
}

task "hello" {
  become = true
  command {
    argv = ["true"]
  }
}
