# Every file module through the engine: a directory, a copied file with
# owner and mode, an INI edit, a line, a rendered template, a link, a
# script and a fetch back to the control node. With become, on a host
# where the login user could not write there.
variable "dir" {
  type = string
}

variable "local" {
  type        = string
  description = "A control-node directory for fetch"
}

variable "become" {
  type    = bool
  default = false
}

variable "sudo_password" {
  type      = string
  default   = ""
  sensitive = true
}

variable "hosts" {
  type    = list(string)
  default = ["local1"]
}

runbook {
  become_password = var.sudo_password
}

task "dir" {
  hosts  = var.hosts
  become = var.become
  file {
    path  = var.dir
    state = "directory"
    mode  = "0755"
  }
}

task "conf" {
  hosts  = var.hosts
  become = var.become
  copy {
    dest    = "${var.dir}/api-paste.ini"
    content = "[pipeline:main]\npipeline = faultwrapper troveapi\n"
    owner   = "root"
    mode    = "0640"
  }
  depends_on = [task.dir]
}

task "ini" {
  hosts  = var.hosts
  become = var.become
  ini {
    path    = "${var.dir}/app.conf"
    section = "DEFAULT"
    values  = { debug = true, workers = 4, paste = task.conf.outputs.path }
    create  = true
    owner   = "root"
    mode    = "0640"
  }
}

task "line" {
  hosts  = var.hosts
  become = var.become
  lineinfile {
    path   = "${var.dir}/hosts"
    regexp = "\\sctl$"
    line   = "10.0.0.5 ctl"
    create = true
  }
  depends_on = [task.dir]
}

task "tpl" {
  hosts  = var.hosts
  become = var.become
  template {
    template = file("ports.tpl") # relative to the runbook folder
    dest     = "${var.dir}/rendered.conf"
    vars     = { name = "api", ports = [8779, 8780] }
  }
  depends_on = [task.dir]
}

task "link" {
  hosts  = var.hosts
  become = var.become
  file {
    path  = "${var.dir}/current.conf"
    state = "link"
    src   = "app.conf"
  }
  depends_on = [task.ini]
}

task "script" {
  hosts  = var.hosts
  become = var.become
  script {
    src     = "stamp.sh"
    args    = ["${var.dir}/stamp", "made by a script"]
    creates = "${var.dir}/stamp"
  }
  depends_on = [task.dir]
}

task "fetch" {
  hosts  = var.hosts
  become = var.become
  fetch {
    src  = task.ini.outputs.path
    dest = "${var.local}/"
  }
}
