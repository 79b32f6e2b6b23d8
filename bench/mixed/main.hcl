runbook {
  description = "bench (b): a realistic mixed runbook, six tasks in order"
}

task "dir" {
  hosts = group.bench
  file {
    path  = "/etc/rb-bench"
    state = "directory"
    mode  = "0755"
  }
}

task "app_conf" {
  hosts      = group.bench
  depends_on = [task.dir]
  template {
    template = file("app.conf.tpl")
    dest     = "/etc/rb-bench/app.conf"
    vars     = { name = host.name, port = 8779 }
    mode     = "0640"
  }
}

task "app_ini" {
  hosts      = group.bench
  depends_on = [task.app_conf]
  ini {
    path    = "/etc/rb-bench/app.ini"
    section = "DEFAULT"
    values  = { debug = false }
    create  = true
  }
}

task "hosts_line" {
  hosts      = group.bench
  depends_on = [task.app_ini]
  lineinfile {
    path   = "/etc/rb-bench/hosts"
    regexp = "\\scontroller$"
    line   = "10.0.0.1 controller"
    create = true
  }
}

task "init" {
  hosts      = group.bench
  depends_on = [task.hosts_line]
  command {
    argv    = ["touch", "/etc/rb-bench/initialized"]
    creates = "/etc/rb-bench/initialized"
  }
}

task "service" {
  hosts      = group.bench
  depends_on = [task.init]
  systemd {
    name  = "rb-disabled"
    state = "started"
  }
}
