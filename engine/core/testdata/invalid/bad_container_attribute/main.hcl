task "migrate" {
  container = { name = "trove_api", engine = "docker" }
  command {
    argv = ["trove-manage", "db_upgrade"]
  }
}
