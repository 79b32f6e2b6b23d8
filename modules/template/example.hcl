task "trove_guestagent_conf" {
  hosts = group.controller
  template {
    template = file("templates/trove-guestagent.conf.tpl")   # relative to the runbook folder
    dest     = "/etc/trove/trove-guestagent.conf"
    vars = {
      transport_url = var.transport_url
      swift_url     = "http://${host.vars.address}:8080/v1/AUTH_"
      datastores    = ["mysql", "mariadb"]
    }
    owner  = "root"
    group  = "trove"
    mode   = "0640"
    backup = true
  }
  notify = [handler.restart_trove]
}

task "motd" {
  hosts = group.all
  template {
    src  = "runbooks/site/motd.tpl"   # relative to the directory runbook runs in
    dest = "/etc/motd"
    vars = { role = host.vars.role }
  }
}
