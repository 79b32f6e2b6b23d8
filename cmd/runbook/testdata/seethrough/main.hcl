# A first deployment of a small service on the systemd lab hosts: a
# directory, a template and an ini file in it, a unit file, the unit
# started and enabled, a handler restarting it, a command with creates
# and a line in /etc/hosts. Check must predict all of it on fresh hosts.
runbook {
  description = "Deploy a service from nothing: check sees through its own plan"
}

variable "dir" {
  type    = string
  default = "/srv/rb-app"
}

variable "unit" {
  type    = string
  default = "rb-app"
}

variable "port" {
  type    = number
  default = 8080
}

task "appdir" {
  hosts = group.systemd
  file {
    path  = var.dir
    state = "directory"
    mode  = "0750"
  }
}

task "app_conf" {
  hosts = group.systemd
  template {
    dest     = "${task.appdir.outputs.path}/app.conf"
    src      = "app.conf.tpl"
    vars     = { name = var.unit, port = var.port, workers = 2 }
    mode     = "0640"
  }
  notify = [handler.restart]
}

task "app_ini" {
  hosts = group.systemd
  ini {
    path    = "${task.appdir.outputs.path}/app.ini"
    section = "server"
    values  = { port = var.port, debug = false }
    create  = true
  }
  notify = [handler.restart]
}

task "unit_file" {
  hosts = group.systemd
  copy {
    dest    = "/etc/systemd/system/${var.unit}.service"
    content = <<-UNIT
      [Unit]
      Description=runbook see-through test service
      [Service]
      Type=exec
      ExecStart=/bin/sleep infinity
      WorkingDirectory=${var.dir}
      [Install]
      WantedBy=multi-user.target
    UNIT
  }
  notify = [handler.restart]
}

task "service" {
  hosts = group.systemd
  systemd {
    name          = var.unit
    state         = "started"
    enabled       = true
    daemon_reload = true
  }
  depends_on = [task.unit_file, task.app_conf, task.app_ini]
}

handler "restart" {
  hosts = group.systemd
  systemd {
    name  = var.unit
    state = "restarted"
  }
  depends_on = [task.service]
}

task "seed" {
  hosts = group.systemd
  command {
    argv    = ["/bin/sh", "-c", "echo seeded > \"$1\"", "sh", "${task.appdir.outputs.path}/seed"]
    creates = "${task.appdir.outputs.path}/seed"
  }
}

task "hosts_entry" {
  hosts = group.systemd
  lineinfile {
    path   = "/etc/hosts"
    regexp = "\\srb-app$"
    line   = "10.233.0.1 rb-app"
  }
}
