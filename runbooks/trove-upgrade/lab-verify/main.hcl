# Lab only: the demo's instances, read through the Trove API, must be on the
# new datastore version and HEALTHY (lab/trove-demo.sh runs this last).
runbook {
  description = "Lab: check through the API that instances are on a datastore version and healthy"
}

variable "names" {
  type = list(string)
}

variable "version" {
  type = string
}

variable "cloud" {
  type    = string
  default = "lab-demo"
}

task "now" {
  for_each = toset(var.names)
  trove_instance {
    cloud  = var.cloud
    action = "find"
    name   = each.key
  }
}

task "upgraded" {
  assert {
    conditions = [for n in var.names : {
      condition = task.now.outputs[n].datastore.version == var.version && task.now.outputs[n].operating_status == "HEALTHY"
      message   = "${n} is ${task.now.outputs[n].status}/${task.now.outputs[n].operating_status} on ${task.now.outputs[n].datastore.version}"
    }]
    success_msg = "${join(", ", var.names)}: on ${var.version}, HEALTHY"
  }
}
