task "trove_packages" {
  hosts = group.controller
  package {
    names        = ["python3-trove", "trove-api", "trove-conductor", "trove-taskmanager"]
    state        = "latest"
    update_cache = true
  }
}

task "pinned_client" {
  hosts = group.controller
  package {
    name = "mariadb-client=1:10.11.6-0+deb12u1"
  }
}

task "no_telnet" {
  hosts = all
  package {
    name  = "telnet"
    state = "absent"
    purge = true
  }
}
