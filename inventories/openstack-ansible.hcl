# An openstack-ansible site: Trove's services run in LXC containers on the
# infrastructure hosts (openstack-ansible's os_trove role), each a systemd
# unit (trove-api, trove-conductor, trove-taskmanager) from a Python venv
# /openstack/venvs/trove-<version>, config in /etc/trove. The containers are
# SSH hosts of their own: openstack-ansible's dynamic inventory
# (/etc/openstack_deploy/openstack_inventory.json) lists their addresses.
#
#   openstack-ansible os-trove-install.yml     # the new release's venv and config
#   runbook run -i inventories/openstack-ansible.hcl --var-file runbooks/trove-upgrade/vars/openstack-ansible.hcl runbooks/trove-upgrade
#
# os-trove-install.yml already migrates (db_sync) and restarts; the runbook
# then finds the schema at head and every service on the installed venv
# (it restarts only what is stale) and goes on with the datastore version
# and the instances. os_trove can also register guest images declaratively
# (trove_glance_images): then set image_id and build_image = false.
defaults {
  user              = "root"
  private_key       = "~/.ssh/id_ed25519"
  known_hosts       = "~/.ssh/known_hosts"
  host_key_checking = "strict"
}

group "controller" {
  vars = {
    trove_conf   = "/etc/trove/trove.conf"
    guest_conf   = "/etc/trove/trove-guestagent.conf"
    trove_units  = ["trove-api", "trove-conductor", "trove-taskmanager"]
    code_paths   = ["/openstack/venvs"]
    trove_python = ["/openstack/venvs/trove-31.0.0/bin/python3"] # the new venv's tag
    trove_manage = ["/openstack/venvs/trove-31.0.0/bin/trove-manage"]
  }
}

group "trove_manage" {
  children = ["controller"]
}

# Where guest images are built (diskimage-builder, internet access); not
# needed when image_id names an image already in Glance.
group "devstack" {}

host "imagebuild" {
  address = "10.30.0.50"
  groups  = ["devstack"]
  vars = {
    image_dir  = "/srv/trove-images"
    trovestack = "/opt/trove/integration/scripts/trovestack"
  }
}

host "infra1_trove_api_container" {
  address = "172.29.236.101"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://172.29.236.101:8779/" }
}

host "infra2_trove_api_container" {
  address = "172.29.236.102"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://172.29.236.102:8779/" }
}
