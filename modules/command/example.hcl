task "trove_db_version" {
  hosts = group.controller
  command {
    argv = ["trove-manage", "--config-file", host.vars.trove_conf, "db_version"]
    env  = { OS_CLOUD = "devstack-admin" }
  }
}

task "build_image" {
  hosts = group.devstack
  command {
    argv    = ["./trovestack", "build-image", "ubuntu", "bionic", "true", "ubuntu", "${host.vars.image_dir}/guest.qcow2"]
    chdir   = "/opt/stack/trove/integration/scripts"
    creates = "${host.vars.image_dir}/guest.qcow2"
  }
}
