# Service configuration, the way an operator changes trove.conf on a
# controller: edit options of the service's INI file in place, restart the
# service only when the file really changed, then wait until it answers.
#
# It targets the systemd lab (real systemd in containers, root over SSH):
#
#   lab/systemd/up.sh
#   I=/tmp/runbook-lab/systemd/inventory.hcl
#   runbook check --diff -i $I runbooks/examples/service-config   # exit 2: says what would change, changes nothing
#   runbook run   --diff -i $I runbooks/examples/service-config   # exit 2: edits the file, restarts the unit once
#   runbook run          -i $I runbooks/examples/service-config   # exit 0: nothing to do, no restart
#   runbook run -i $I --var workers=8 runbooks/examples/service-config   # one option changes: one restart
#
# For a real Trove controller: config = "/etc/trove/trove.conf",
# units = ["devstack@tr-*"] (or ["trove-api", "trove-conductor",
# "trove-taskmanager"]), service_port = 8779, and an inventory of its hosts
# in a group named "systemd" (or change the hosts below).
runbook {
  description = "Edit a service's INI file, restart it only when the file changed, wait until it answers"
}

variable "config" {
  type        = string
  default     = "/etc/rb-demo.conf"
  description = "The service's INI file (created when missing)"
}

variable "units" {
  type        = list(string)
  default     = ["rb-ok"]
  description = "Units to restart when the file changed (names or globs)"
}

variable "transport_url" {
  type        = string
  default     = "rabbit://stackrabbit:demo-rabbit-pw@10.233.0.1:5672/"
  description = "Message queue URL; its password is never shown in a diff"
}

variable "db_password" {
  type      = string
  default   = "demo-db-pw"
  sensitive = true
}

variable "debug" {
  type    = bool
  default = false
}

variable "workers" {
  type    = number
  default = 2
}

variable "service_port" {
  type        = number
  default     = 22
  description = "The port the service answers on once it is up (lab hosts only serve sshd; 8779 for trove-api)"
}

task "service_conf" {
  hosts = group.systemd
  ini {
    path    = var.config
    section = "DEFAULT"
    values = {
      debug            = var.debug
      api_workers      = var.workers
      transport_url    = var.transport_url
      control_exchange = "trove"
    }
    create = true
    mode   = "0640"
  }
  notify = [handler.restart]
}

# The same file: after service_conf, never at the same time.
task "database_conf" {
  hosts = group.systemd
  ini {
    path    = var.config
    section = "database"
    values  = { connection = "mysql+pymysql://trove:${var.db_password}@10.233.0.1/trove" }
    absent  = ["idle_timeout"]
    create  = true
    mode    = "0640"
  }
  depends_on = [task.service_conf]
  notify     = [handler.restart]
}

handler "restart" {
  hosts = group.systemd
  systemd {
    units = var.units
    state = "restarted"
    wait  = { timeout = "30s", stable = "1s" }
  }
}

task "service_up" {
  hosts = group.systemd
  wait_for {
    port    = var.service_port
    timeout = "30s"
  }
  depends_on = [handler.restart]
}
