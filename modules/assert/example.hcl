task "trove_ready" {
  hosts = group.controller
  assert {
    conditions = [
      {
        condition = task.trove_db_version.outputs.rc == 0
        message   = "trove-manage cannot reach the Trove database"
      },
      {
        condition = length(var.datastore.version) > 0
        message   = "set var.datastore.version"
      },
    ]
    success_msg = "controller ready for the upgrade"
  }
}

task "instances_healthy" {
  assert {
    conditions = [
      for i in task.list_instances.outputs.instances : {
        condition = i.status == "HEALTHY"
        message   = "instance ${i.name} is ${i.status}"
      }
    ]
  }
}
