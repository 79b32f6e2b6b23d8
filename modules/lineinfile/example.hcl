task "sudo_stack" {
  hosts = group.devstack
  lineinfile {
    path     = "/etc/sudoers.d/50_stack_sh"
    regexp   = "^stack "
    line     = "stack ALL=(root) NOPASSWD:ALL"
    create   = true
    mode     = "0440"
    validate = ["visudo", "-cf", "%s"]
  }
}

task "hosts_entry" {
  hosts = group.guests
  lineinfile {
    path        = "/etc/hosts"
    regexp      = "\\scontroller$"
    line        = "${var.controller_ip} controller"
    insertafter = "^127\\.0\\.0\\.1"
    backup      = true
  }
}

task "no_debug_flag" {
  hosts = group.controller
  lineinfile {
    path   = "/etc/default/trove-api"
    regexp = "^DEBUG="
    state  = "absent"
  }
}
