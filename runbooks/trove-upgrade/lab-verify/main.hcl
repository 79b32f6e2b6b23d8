# Lab only: the seed's last step. `select * from Persons` through the
# address of the upgraded (in place) or restored (backup + restore)
# instance must return the row lab-seed inserted, and the instance must be
# HEALTHY (lab/trove-demo.sh runs this before and after the upgrade).
#
#   runbook run -i INVENTORY --var name=test runbooks/trove-upgrade/lab-verify
runbook {
  description = "Lab: select * from Persons on an instance returns the seeded row"
}

variable "name" {
  type = string
}

variable "cloud" {
  type    = string
  default = "devstack"
}

variable "user" {
  type    = string
  default = "test"
}

variable "password" {
  type      = string
  default   = "lab-test-pw"
  sensitive = true
}

variable "rows" {
  type        = list(map(string))
  default     = [{ PersonID = "1", LastName = "Erichsen", FirstName = "Tom", Address = "Skagen 21", City = "Stavanger" }]
  description = "What the table must hold (lab-seed's row)"
}

task "instance" {
  trove_instance {
    cloud  = var.cloud
    action = "find"
    name   = var.name
  }
}

task "persons" {
  mysql_query {
    from           = "control"
    login_host     = task.instance.outputs.addresses[0].address
    login_user     = var.user
    login_password = var.password
    database       = "testdb"
    sql            = "SELECT * FROM Persons ORDER BY PersonID"
  }
}

task "same_row" {
  assert {
    conditions = [
      {
        condition = task.instance.outputs.status == "ACTIVE" && task.instance.outputs.operating_status == "HEALTHY"
        message   = "${var.name} is ${task.instance.outputs.status}/${task.instance.outputs.operating_status}"
      },
      {
        condition = jsonencode(task.persons.outputs.rows) == jsonencode(var.rows)
        message   = "select * from Persons on ${var.name} (${task.instance.outputs.addresses[0].address}) returned ${jsonencode(task.persons.outputs.rows)}, want ${jsonencode(var.rows)}"
      },
    ]
    success_msg = "${var.name} (${task.instance.outputs.addresses[0].address}, ${task.instance.outputs.datastore.type} ${task.instance.outputs.datastore.version}): select * from Persons -> ${jsonencode(task.persons.outputs.rows)}"
  }
}
