runbook {
  description = "Upgrade Trove"
}

task "trove_conf" {
  hosts = group.controller
  ini {
    path    = host.vars.trove_conf
    sectoin = "DEFAULT"
  }
}

task "migrate_db" {
	hosts    = group.controller
	run_once = "yes please"
  depends_on = [
    task.nope,
  ]
}
