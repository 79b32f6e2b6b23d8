# The local lab's DevStack-shaped Trove controller (lab/devstack: devstack1,
# slot 0's addresses and paths; tests in another slot write their own copy
# from $RUNBOOK_LAB_DIR/devstack/env).
#
#   runbook run -i inventories/lab.hcl --var-file runbooks/trove-upgrade/vars/lab.hcl \
#     --var image_id=$LAB_DEVSTACK_IMAGE2_ID runbooks/trove-upgrade
#
# What differs from inventories/devstack.hcl, and why: devstack1 switches
# Trove releases as whole roots (/opt/trove/current -> releases/zed or
# releases/2025.1) where DevStack changes /opt/stack/trove in place, so the
# installed code's Python is reached through trove-release-exec, and the
# switch's symlink is what says when the code was installed.
defaults {
  user              = "root"
  private_key       = "/tmp/runbook-lab/devstack/id_ed25519"
  known_hosts       = "/tmp/runbook-lab/devstack/known_hosts"
  host_key_checking = "strict"
}

group "controller" {
  vars = {
    trove_conf    = "/etc/trove/trove.conf"
    guest_conf    = "/etc/trove/trove-guestagent.conf"
    conf_paths    = ["/etc/trove/trove.conf", "/etc/trove/api-paste.ini"]
    trove_units   = ["apache2", "devstack@tr-cond", "devstack@tr-tmgr"]
    code_paths    = ["/opt/trove/current"]
    trove_api_url = "http://127.0.0.1:8779/"
    trove_python  = ["/usr/local/sbin/trove-release-exec", "--user", "stack", "/usr/bin/python3"]
    trove_manage  = ["/usr/local/bin/trove-manage"]
  }
}

group "trove_manage" {
  children = ["controller"]
}

group "devstack" {}

host "devstack1" {
  address = "10.233.0.10"
  groups  = ["controller", "devstack"]
  vars = {
    image_dir  = "/tmp/trove-images"
    trovestack = "/opt/stack/trove/integration/scripts/trovestack"
  }
}
