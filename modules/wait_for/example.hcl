task "trove_api_up" {
  hosts = group.controller
  wait_for {
    url     = "http://127.0.0.1:8779/"
    status  = [200, 300]
    timeout = "2m"
  }
}

task "mysql_listening" {
  hosts = group.guests
  wait_for {
    port    = 3306
    timeout = "5m"
  }
}

task "guest_agent_ready" {
  hosts = group.guests
  wait_for {
    path   = "/var/log/trove/trove-guestagent.log"
    regexp = "Creating .* datastore .* completed"
  }
}
