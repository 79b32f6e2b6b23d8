# Lab only: the seed's scenario on devstack1 (lab/devstack), before the
# upgrade: instance `test` on the old datastore version in the demo project,
# with database `testdb` and a user, on the private network and public (as
# the seed creates it: --nic net-id=... --is-public), and the row of table
# `Persons` inserted through the instance's own address. lab/trove-demo.sh
# and cmd/runbook's Trove tests run this first. Instances are created one at
# a time (serial = 1): Trove's first quota reservations in a project race
# when two creates arrive together (trove_instance also looks an instance
# up by name after a 5xx before it sends a create again).
#
#   runbook run -i INVENTORY --var network=$LAB_DEVSTACK_PRIVATE_NET runbooks/trove-upgrade/lab-seed
runbook {
  description = "Lab: instance test (database testdb, a user, a Persons row) on the old datastore version"
}

variable "names" {
  type        = list(string)
  default     = ["test"]
  description = "Instances to make (each gets testdb, the user and the row)"
}

variable "cloud" {
  type    = string
  default = "devstack"
}

variable "flavor" {
  type    = string
  default = "10"
}

variable "network" {
  type        = string
  description = "The private network's id (LAB_DEVSTACK_PRIVATE_NET)"
}

variable "public" {
  type    = bool
  default = true
}

variable "datastore_version" {
  type    = string
  default = "5.7.29"
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

task "instance" {
  for_each            = toset(var.names)
  serial              = 1
  max_fail_percentage = 0
  trove_instance {
    cloud             = var.cloud
    name              = each.key
    flavor            = var.flavor
    volume_size       = 1
    datastore         = "mysql"
    datastore_version = var.datastore_version
    databases         = ["testdb"]
    users             = [{ name = var.user, password = var.password, databases = ["testdb"] }]
    networks          = [var.network]
    access            = { is_public = var.public }
    wait              = { status = "HEALTHY", timeout = "5m" }
  }
}

# The table and its row, written through the instance's address from the
# control node, as a user of the database would.
task "table" {
  for_each = task.instance.outputs
  mysql_query {
    from           = "control"
    login_host     = each.value.addresses[0].address
    login_user     = var.user
    login_password = var.password
    database       = "testdb"
    sql            = "CREATE TABLE IF NOT EXISTS Persons (PersonID int PRIMARY KEY, LastName varchar(255), FirstName varchar(255), Address varchar(255), City varchar(255))"
    unless         = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'testdb' AND table_name = 'Persons'"
  }
}

task "row" {
  for_each   = task.instance.outputs
  depends_on = [task.table]
  mysql_query {
    from           = "control"
    login_host     = each.value.addresses[0].address
    login_user     = var.user
    login_password = var.password
    database       = "testdb"
    sql            = "INSERT INTO Persons VALUES (1, 'Erichsen', 'Tom', 'Skagen 21', 'Stavanger')"
    unless         = "SELECT COUNT(*) FROM Persons WHERE PersonID = 1"
  }
}
