task "trove_schema_version" {
  hosts    = group.controller
  run_once = true
  mysql_query {
    sql            = "SELECT version FROM migrate_version"
    database       = "trove"
    login_user     = "trove"
    login_password = var.trove_db_password   # sensitive
  }
}

task "datastore_version_active" {
  mysql_query {
    from           = "control"
    login_host     = var.db_host
    login_user     = "root"
    login_password = var.db_root_password
    database       = "trove"
    sql            = "UPDATE datastore_versions SET active = 1 WHERE name = '5.7.30'"
    unless         = "SELECT active FROM datastore_versions WHERE name = '5.7.30'"
  }
}
