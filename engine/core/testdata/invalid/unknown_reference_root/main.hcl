task "hello" {
  command {
    argv = ["echo", hostvars.ctl1.ansible_host]
  }
}
