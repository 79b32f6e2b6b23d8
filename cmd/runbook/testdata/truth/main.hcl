# The cases where a check must see through its own plan, each a small
# chain of tasks, for the end-to-end test that compares a check with the
# run that follows it (seethrough_e2e_test.go) on fresh systemd lab hosts
# and on hosts where part of it already exists.
runbook {
  description = "Chains of tasks whose later plans read what the earlier ones would leave"
}

variable "dir" {
  type    = string
  default = "/srv/rb-truth"
}

variable "prefix" {
  type    = string
  default = "rb-truth"
}

# A directory then files in it (and mkdir -p of its parents).
task "conf_dir" {
  hosts = group.systemd
  file {
    path  = "${var.dir}/app/conf.d"
    state = "directory"
    mode  = "0750"
  }
}

task "conf_main" {
  hosts = group.systemd
  template {
    dest     = "${task.conf_dir.outputs.path}/main.conf"
    template = "# written by runbook\nname = $${name}\n"
    vars     = { name = var.prefix }
    mode     = "0640"
  }
}

task "conf_ini" {
  hosts = group.systemd
  ini {
    path    = "${task.conf_dir.outputs.path}/app.ini"
    section = "server"
    values  = { port = 8080 }
    create  = true
  }
}

# A unit file then the unit started and enabled.
task "unit_file" {
  hosts = group.systemd
  copy {
    dest    = "/etc/systemd/system/${var.prefix}-svc.service"
    content = "[Unit]\nDescription=runbook truth test\n[Service]\nType=exec\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n"
  }
}

task "unit_up" {
  hosts = group.systemd
  systemd {
    name          = "${var.prefix}-svc"
    state         = "started"
    enabled       = true
    daemon_reload = true
  }
  depends_on = [task.unit_file]
}

# A file removed then recreated.
task "stamp_gone" {
  hosts = group.systemd
  file {
    path  = "${var.dir}/stamp"
    state = "absent"
  }
  depends_on = [task.conf_dir] # which makes var.dir too (mkdir -p)
}

task "stamp_new" {
  hosts = group.systemd
  copy {
    dest    = "${var.dir}/stamp"
    content = "stamp\n"
  }
  depends_on = [task.stamp_gone]
}

# A lineinfile on a file a copy creates.
task "env_file" {
  hosts = group.systemd
  copy {
    dest    = "${var.dir}/env"
    content = "A=1\n"
  }
  depends_on = [task.conf_dir]
}

task "env_line" {
  hosts = group.systemd
  lineinfile {
    path   = task.env_file.outputs.path
    regexp = "^B="
    line   = "B=2"
  }
}

# An ini on a file a template creates.
task "tpl_file" {
  hosts = group.systemd
  template {
    dest     = "${var.dir}/server.ini"
    template = "[server]\nlisten = 0.0.0.0:$${port}\n"
    vars     = { port = 8080 }
  }
  depends_on = [task.conf_dir]
}

task "tpl_ini" {
  hosts = group.systemd
  ini {
    path    = task.tpl_file.outputs.path
    section = "server"
    values  = { debug = false }
  }
}

# A handler on a unit a task creates.
task "handled_unit" {
  hosts = group.systemd
  copy {
    dest    = "/etc/systemd/system/${var.prefix}-hnd.service"
    content = "[Unit]\nDescription=runbook truth test, restarted by a handler\n[Service]\nType=exec\nExecStart=/bin/sleep infinity\n"
  }
  notify = [handler.restart_handled]
}

handler "restart_handled" {
  hosts = group.systemd
  systemd {
    name  = "${var.prefix}-hnd"
    state = "restarted"
  }
}
