task "data_before" {
  hosts = group.guests
  mysql_checksum {
    database       = "appdb"
    login_user     = "os_admin"
    login_password = var.guest_db_password
    exclude        = ["sessions"]            # rows that change on their own
  }
}

# ... upgrade the instance ...

task "data_after" {
  hosts      = group.guests
  depends_on = [task.upgrade]
  mysql_checksum {
    database       = "appdb"
    login_user     = "os_admin"
    login_password = var.guest_db_password
    exclude        = ["sessions"]
  }
}

task "no_data_lost" {
  hosts = group.guests
  assert {
    conditions = [{
      condition = task.data_after.outputs.checksum == task.data_before.outputs.checksum
      message   = "table contents changed across the upgrade"
    }]
  }
}
