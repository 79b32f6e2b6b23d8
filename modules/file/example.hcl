task "trove_conf_dir" {
  hosts = group.controller
  file {
    path  = "/etc/trove/conf.d"
    state = "directory"
    owner = "trove"
    group = "trove"
    mode  = "0750"
  }
}

task "conf_private" {
  hosts = group.controller
  file {
    path = "/etc/trove/trove.conf"   # state = "file": attributes of an existing file
    mode = "0640"
  }
}

task "current_image" {
  hosts = group.devstack
  file {
    path  = "/opt/images/trove-guest-current.qcow2"
    state = "link"
    src   = "trove-guest-victoria.qcow2"
  }
}

task "old_pid_file" {
  hosts = group.controller
  file {
    path  = "/run/trove/trove-api.pid.old"
    state = "absent"
  }
}
