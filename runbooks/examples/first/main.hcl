# A first runbook: prepare a work folder on the control node, write a
# config file once, and announce a change through a handler. Run it twice:
# the second run changes nothing.
runbook {
  description = "First runbook: a folder, a config file, a handler"
}

variable "workdir" {
  type        = string
  default     = "/tmp/runbook-first"
  description = "Where the example writes its files"
}

variable "port" {
  type    = number
  default = 8080

  validation {
    condition     = var.port > 1024 && var.port < 65536
    error_message = "The port must be above 1024."
  }
}

locals {
  conf = "${var.workdir}/app.conf"
}

task "workdir" {
  command {
    argv    = ["mkdir", "-p", var.workdir]
    creates = var.workdir
  }
}

task "config" {
  shell {
    cmd     = "printf 'port = %s\\n' '${var.port}' > '${local.conf}'"
    creates = local.conf
  }
  depends_on = [task.workdir]
  notify     = [handler.announce]
}

task "show" {
  command {
    argv = ["cat", local.conf]
  }
  depends_on   = [task.config]
  check_mode   = false # reading is safe, so it runs in check mode too
  changed_when = false
  when         = fileexists(local.conf) || !runbook.check_mode
}

handler "announce" {
  command {
    argv = ["echo", "configuration written to ${local.conf}"]
  }
}
