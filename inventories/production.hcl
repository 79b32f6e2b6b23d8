# A production site with Trove from distribution packages (Ubuntu Cloud
# Archive, Debian; RDO alike with its unit names): three controllers on a
# management network reached only through a bastion, host keys checked
# strictly, sudo for root. The packages run trove-api, trove-conductor and
# trove-taskmanager as systemd units.
#
#   runbook run -i inventories/production.hcl --var-file runbooks/trove-upgrade/vars/production.hcl runbooks/trove-upgrade
#
# Install the new release's packages on every controller first (apt-get
# install trove-api trove-conductor trove-taskmanager python3-trove from
# the new release's archive): the packages' own restarts may or may not run
# (policy-rc.d); the runbook restarts whatever still runs the old code, one
# controller at a time, each one's API checked before the next.
#
# An Ansible inventory (INI or YAML, with group_vars/host_vars) loads too:
# give its hosts these groups and vars.
defaults {
  user              = "ops"
  private_key       = "~/.ssh/id_ed25519"
  known_hosts       = "~/.ssh/known_hosts"
  host_key_checking = "strict"
  connect_timeout   = "10s"
  become            = true
  become_user       = "root"
}

host "bastion" {
  address = "bastion.example.net"
  become  = false
}

group "controller" {
  jump = ["bastion"]
  vars = {
    trove_conf   = "/etc/trove/trove.conf"
    guest_conf   = "/etc/trove/trove-guestagent.conf"
    conf_paths   = ["/etc/trove/trove.conf", "/etc/trove/api-paste.ini"]
    trove_units  = ["trove-api", "trove-conductor", "trove-taskmanager"]
    code_paths   = ["/usr/lib/python3/dist-packages/trove"]
    trove_python = ["/usr/bin/python3"]
    trove_manage = ["/usr/bin/trove-manage"]
  }
}

# trove-manage runs once (run_once), on the first controller.
group "trove_manage" {
  children = ["controller"]
}

# Where guest images are built: a build host with diskimage-builder and
# internet access (not a controller).
group "devstack" {
  jump = ["bastion"]
}

host "ctl1" {
  address = "10.20.0.11"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://10.20.0.11:8779/" }
}

host "ctl2" {
  address = "10.20.0.12"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://10.20.0.12:8779/" }
}

host "ctl3" {
  address = "10.20.0.13"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://10.20.0.13:8779/" }
}

host "imagebuild" {
  address = "10.20.0.50"
  groups  = ["devstack"]
  vars = {
    image_dir  = "/srv/trove-images"
    trovestack = "/opt/trove/integration/scripts/trovestack"
  }
}
