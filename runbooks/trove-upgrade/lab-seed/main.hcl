# Lab only: database instances on the OLD version for the upgrade to move
# (lab/trove-demo.sh and cmd/runbook/trove_e2e_test.go run this first). Each
# gets a database and a user, so that what the instances report before and
# after can be compared. An instance of that name already there (whatever its
# version) is left as it is.
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

task "instance" {
  for_each = toset(var.names)
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
