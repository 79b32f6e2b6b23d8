# One DevStack host (stack.sh with enable_plugin trove): it is the Trove
# controller, the place where trove-manage reaches the Trove database, and
# where trovestack builds guest images. DevStack runs Trove as systemd units
# devstack@tr-api, devstack@tr-cond and devstack@tr-tmgr.
#
#   runbook run -i inventories/devstack.hcl runbooks/trove-upgrade
#
# Clouds devstack-admin and devstack-demo: add them to clouds.yaml on the
# control node (DevStack writes /etc/openstack/clouds.yaml with these names).
defaults {
  user              = "stack"
  private_key       = "~/.ssh/id_ed25519"
  known_hosts       = "~/.ssh/known_hosts"
  host_key_checking = "strict"
  # stack owns /etc/trove on DevStack; systemctl restart needs root.
  become = true
  vars = {
    cloud = "devstack-admin"
  }
}

group "controller" {
  vars = {
    trove_conf  = "/etc/trove/trove.conf"
    trove_units = ["devstack@tr-*"]
  }
}

group "trove_manage" {}

group "devstack" {}

host "devstack" {
  address = "192.0.2.10" # change to your DevStack host
  groups  = ["controller", "trove_manage", "devstack"]
  vars = {
    # DevStack before 2023.2 installs into the system Python; from 2023.2
    # (GLOBAL_VENV) it is /opt/stack/data/venv/bin/trove-manage and
    # /opt/stack/data/venv/bin/python3.
    trove_manage     = "/usr/local/bin/trove-manage"
    trove_python     = "/usr/bin/python3"
    validation_rules = "/opt/stack/trove/trove/templates/mysql/validation-rules.json"
    image_dir        = "/opt/stack/images"
    trovestack       = "/opt/stack/trove/integration/scripts/trovestack"
  }
}
