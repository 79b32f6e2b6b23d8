# What runbooks/trove-upgrade needs of a DevStack host, through
# inventories/devstack.hcl as shipped (TestDevstackInventoryOnLab): the
# login user, become, and every host var pointing at something real.
runbook {
  description = "inventories/devstack.hcl against lab/devstack's devstack1"
}

task "login" {
  hosts      = group.controller
  become     = false
  check_mode = false
  command {
    argv = ["id", "-un"]
  }
  changed_when = false
  failed_when  = self.failed || trimspace(self.outputs.stdout) != "stack"
}

task "become" {
  hosts      = group.controller
  check_mode = false
  command {
    argv = ["id", "-un"]
  }
  changed_when = false
  failed_when  = self.failed || trimspace(self.outputs.stdout) != "root"
}

task "trove_units" {
  hosts      = group.controller
  check_mode = false
  command {
    # the units the inventory names, patterns as systemctl lists them
    argv = concat(["systemctl", "list-units", "--no-legend", "--plain", "--state=active"], [for u in host.vars.trove_units : can(regex("\\.", u)) ? u : "${u}.service"])
  }
  changed_when = false
  # apache2 serves the API; the conductor and the taskmanager are devstack@tr-*
  failed_when = self.failed || length(regexall("(?m)^(apache2|devstack@tr-(cond|tmgr))\\.service", self.outputs.stdout)) != 3
}


task "trove_conf" {
  hosts      = group.controller
  check_mode = false
  command {
    argv = ["grep", "-c", "^transport_url = rabbit://", host.vars.trove_conf]
  }
  changed_when = false
}

task "trove_manage" {
  hosts      = group.trove_manage
  check_mode = false
  command {
    argv = concat(host.vars.trove_manage, ["--help"])
  }
  changed_when = false
}

task "trove_python" {
  hosts      = group.trove_manage
  check_mode = false
  command {
    argv = concat(host.vars.trove_python, ["-c", "import trove.db.sqlalchemy.api"])
  }
  changed_when = false
}

task "code_paths" {
  hosts      = group.controller
  check_mode = false
  command {
    argv = concat(["ls", "-d"], host.vars.code_paths, host.vars.conf_paths, [host.vars.guest_conf])
  }
  changed_when = false
}

task "image_dir" {
  hosts      = group.devstack
  check_mode = false
  command {
    argv = ["test", "-d", host.vars.image_dir]
  }
  changed_when = false
}
