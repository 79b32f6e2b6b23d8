# The local lab as a Trove cloud (lab/up.sh systemd openstack; lab/trove-demo.sh
# brings it up and uses this file). Paths are those of the default lab folder
# RUNBOOK_LAB_DIR=/tmp/runbook-lab: a lab elsewhere needs a copy of this file
# with the paths changed (an inventory is data, it reads no environment).
#
#   sd01, sd02  controllers: real systemd in containers (lab/systemd), root
#               over SSH, running devstack@tr-api, devstack@tr-cond and
#               devstack@tr-tmgr as stand-ins for Trove's services. Their /
#               is an overlay of this machine's, so /etc/trove/trove.conf is
#               there to edit and the edits stay in the container.
#   localhost   the DevStack host (guest image folder) and where trove-manage
#               runs: the real Trove of lab/openstack (fake mode) listens on
#               127.0.0.1, which the containers cannot reach.
#
# Clouds lab-admin and lab-demo come from $RUNBOOK_LAB_DIR/openstack/clouds.yaml
# (export OS_CLIENT_CONFIG_FILE to it).
defaults {
  user              = "root"
  private_key       = "/tmp/runbook-lab/systemd/id_ed25519"
  known_hosts       = "/tmp/runbook-lab/systemd/known_hosts"
  host_key_checking = "strict"
  vars = {
    cloud = "lab-admin"
  }
}

group "controller" {
  vars = {
    trove_conf  = "/etc/trove/trove.conf"
    trove_units = ["devstack@tr-*"]
  }
}

group "devstack" {}

group "trove_manage" {}

host "sd01" {
  address = "10.233.0.11"
  groups  = ["controller"]
}

host "sd02" {
  address = "10.233.0.12"
  groups  = ["controller"]
}

host "localhost" {
  transport = "local"
  groups    = ["devstack", "trove_manage"]
  vars = {
    # trove-manage of Debian's trove 18 crashes on Python 3.11: the lab's wrapper.
    trove_manage = "/work/main/lab/openstack/trove-manage"
    trove_python = "/usr/bin/python3"
    trove_conf   = "/tmp/runbook-lab/openstack/trove/trove.conf"
    image_dir    = "/tmp/runbook-lab/trove-images"
    # No diskimage-builder and no internet here: the image is provided
    # (lab/trove-demo.sh puts it there), so build_image's creates skips it.
    trovestack = "/opt/stack/trove/integration/scripts/trovestack"
  }
}
