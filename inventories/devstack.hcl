# One DevStack host (stack.sh with enable_plugin trove): the Trove
# controller, where trove-manage reaches the Trove database, and where
# trovestack builds guest images.
#
#   runbook run -i inventories/devstack.hcl --var-file runbooks/trove-upgrade/vars/devstack.hcl runbooks/trove-upgrade
#
# What DevStack runs (trove's devstack/plugin.sh, Victoria to 2024.2):
# trove-api in apache2 through mod_wsgi (TROVE_USE_MOD_WSGI, the default;
# there is no devstack@tr-api unit then), devstack@tr-cond and
# devstack@tr-tmgr as systemd units. Restarting devstack@tr-* alone leaves
# the old API code serving: apache2 is in trove_units.
#
# Clouds devstack-admin and devstack: DevStack writes them into
# /etc/openstack/clouds.yaml on the DevStack host; copy that file to the
# control node (OS_CLIENT_CONFIG_FILE).
defaults {
  user              = "stack"
  private_key       = "~/.ssh/id_ed25519"
  known_hosts       = "~/.ssh/known_hosts"
  host_key_checking = "strict"
  # stack owns /etc/trove on DevStack; systemctl restart needs root.
  become = true
}

group "controller" {
  vars = {
    trove_conf  = "/etc/trove/trove.conf"
    guest_conf  = "/etc/trove/trove-guestagent.conf"
    conf_paths  = ["/etc/trove/trove.conf", "/etc/trove/api-paste.ini"]
    trove_units = ["apache2", "devstack@tr-cond", "devstack@tr-tmgr"]
    # DevStack upgrades code with git checkout + pip install -e in
    # /opt/stack/trove: the newest change time of the code there is when it
    # was installed.
    code_paths    = ["/opt/stack/trove/trove"]
    trove_api_url = "http://127.0.0.1:8779/"
    # DevStack before 2023.2 installs into the system Python; from 2023.2
    # (GLOBAL_VENV=True) use /opt/stack/data/venv/bin/python3 and
    # /opt/stack/data/venv/bin/trove-manage.
    trove_python = ["/usr/bin/python3"]
    trove_manage = ["/usr/local/bin/trove-manage"]
  }
}

group "trove_manage" {
  children = ["controller"]
}

group "devstack" {}

host "devstack" {
  address = "192.0.2.10" # your DevStack host
  groups  = ["controller", "devstack"]
  vars = {
    image_dir  = "/opt/stack/images"
    trovestack = "/opt/stack/trove/integration/scripts/trovestack"
  }
}
