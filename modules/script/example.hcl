task "prepare_guest_image_dir" {
  hosts = group.devstack
  script {
    src     = "runbooks/trove-upgrade/files/prepare-image-dir.sh"   # relative to the working directory
    args    = [host.vars.image_dir, "--owner", "stack"]
    creates = "${host.vars.image_dir}/.prepared"
  }
}

task "check_schema" {
  hosts      = group.controller
  run_once   = true
  script {
    src        = "runbooks/trove-upgrade/files/check_schema.py"
    executable = "/usr/bin/python3"
    env        = { TROVE_CONF = "/etc/trove/trove.conf" }
  }
  changed_when = false
}
