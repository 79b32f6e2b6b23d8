# Lab only: database instances on the OLD version for the upgrade to move
# (lab/trove-demo.sh and cmd/runbook/trove_e2e_test.go run this first). Each
# gets a database and a user, so that what the instances report before and
# after can be compared. An instance of that name already there (whatever its
# version) is left as it is, unless replace_upgraded = true.
#
#   runbook run -i inventories/lab.hcl --var 'names=["db1","db2"]' runbooks/trove-upgrade/lab-seed
runbook {
  description = "Lab: Trove instances on the old datastore version, to be upgraded"
}

variable "names" {
  type    = list(string)
  default = ["trove-demo-db1", "trove-demo-db2"]
}

variable "cloud" {
  type    = string
  default = "lab-demo"
}

variable "flavor" {
  type    = string
  default = "10"
}

variable "datastore_version" {
  type    = string
  default = "5.7.29"
}

variable "app_password" {
  type      = string
  default   = "lab-app-pw"
  sensitive = true
}

variable "replace_upgraded" {
  type        = bool
  default     = false
  description = "Delete instances of these names that are no longer on datastore_version (an earlier demo upgraded them), then create them again"
}

task "existing" {
  trove_instance {
    cloud  = var.cloud
    action = "list"
  }
}

task "drop_upgraded" {
  for_each = var.replace_upgraded ? {
    for i in task.existing.outputs.instances : i.name => i
    if contains(var.names, i.name) && i.datastore.version != var.datastore_version
  } : {}
  trove_instance {
    cloud   = var.cloud
    action  = "delete"
    id      = each.value.id
    confirm = true
  }
}

# Trove deletes in the background: wait until the names are free.
task "names_free" {
  for_each   = task.drop_upgraded.outputs
  depends_on = [task.drop_upgraded]
  trove_instance {
    cloud  = var.cloud
    action = "list"
    name   = each.key
  }
  retries = 60
  delay   = "1s"
  until   = length(self.outputs.instances) == 0
}

task "instance" {
  for_each   = toset(var.names)
  depends_on = [task.names_free]
  trove_instance {
    cloud             = var.cloud
    name              = each.key
    flavor            = var.flavor
    volume_size       = 1
    datastore         = "mysql"
    datastore_version = var.datastore_version
    databases         = ["app"]
    users             = [{ name = "app", password = var.app_password, databases = ["app"] }]
    wait              = { status = "HEALTHY", timeout = "3m" }
  }
}
