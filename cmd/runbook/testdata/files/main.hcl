# A runbook whose apply creates files; check mode must leave them alone.
variable "dir" {
  type = string
}

locals {
  conf = "${var.dir}/app.conf"
}

task "confdir" {
  command {
    argv    = ["mkdir", "-p", "${var.dir}/conf.d"]
    creates = "${var.dir}/conf.d"
  }
}

task "conf" {
  shell {
    cmd     = "echo 'port = 8080' > '${local.conf}'"
    creates = local.conf
  }
  depends_on = [task.confdir]
}

task "already" {
  command {
    argv    = ["false"]
    creates = var.dir
  }
}

task "cleanup" {
  command {
    argv    = ["rm", "${var.dir}/stale"]
    removes = "${var.dir}/stale"
  }
}
