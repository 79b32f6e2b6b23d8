task "show_release" {
  debug {
    msg = "upgrading Trove to ${var.release}"
  }
}

task "show_instances" {
  debug {
    msg = [for i in task.list_instances.outputs.instances : i.name]
  }
}
