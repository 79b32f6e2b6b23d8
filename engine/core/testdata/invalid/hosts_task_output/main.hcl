task "list" {
  command {
    argv = ["openstack", "server", "list", "-f", "value", "-c", "Name"]
  }
}

task "hello" {
  hosts = task.list.outputs.stdout
  command {
    argv = ["true"]
  }
}
