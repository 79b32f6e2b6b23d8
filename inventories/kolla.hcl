# A kolla-ansible site: Trove runs in Docker containers on the controllers
# (trove_api, trove_conductor, trove_taskmanager; kolla-ansible's trove
# role), its code in the images, its config rendered into
# /etc/kolla/trove-*/ on the host and copied into each container when it
# starts (KOLLA_CONFIG_STRATEGY=COPY_ALWAYS).
#
#   kolla-ansible -i multinode pull -t trove        # the new release's images
#   runbook run -i inventories/kolla.hcl --var-file runbooks/trove-upgrade/vars/kolla.hcl runbooks/trove-upgrade
#
# What the runbook does here: python3 and trove-manage run inside trove_api
# (container = trove_container, `docker exec` over the host's SSH
# connection, through sudo); options are written to the host's
# /etc/kolla/trove-*/ files and the containers restarted (`docker restart`,
# one controller at a time). A container whose image is not the one its
# image name now points at (pulled, not redeployed) is reported stale and
# restarted; a restart does not change a container's image, so new_code
# _serving then fails: redeploy with `kolla-ansible -i multinode upgrade -t
# trove` (it also runs db_sync in a bootstrap container) and run again.
# Options set here are overwritten by the next kolla-ansible reconfigure:
# put them in /etc/kolla/config/trove.conf and trove-guestagent.conf too.
defaults {
  user              = "kolla"
  private_key       = "~/.ssh/id_ed25519"
  known_hosts       = "~/.ssh/known_hosts"
  host_key_checking = "strict"
  become            = true # the Docker socket is root's
}

group "controller" {
  vars = {
    service_manager = "docker"
    trove_units     = ["trove_api", "trove_conductor", "trove_taskmanager"]
    trove_container = "trove_api"
    # Inside the container.
    trove_conf   = "/etc/trove/trove.conf"
    trove_python = ["/var/lib/kolla/venv/bin/python3"]
    trove_manage = ["trove-manage"]
    # On the host.
    conf_files = ["/etc/kolla/trove-api/trove.conf", "/etc/kolla/trove-conductor/trove.conf", "/etc/kolla/trove-taskmanager/trove.conf"]
    conf_paths = ["/etc/kolla/trove-api", "/etc/kolla/trove-conductor", "/etc/kolla/trove-taskmanager"]
    guest_conf = "/etc/kolla/trove-taskmanager/trove-guestagent.conf"
    code_paths = []
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

host "control01" {
  address = "10.30.0.11"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://10.30.0.11:8779/" }
}

host "control02" {
  address = "10.30.0.12"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://10.30.0.12:8779/" }
}

host "control03" {
  address = "10.30.0.13"
  groups  = ["controller"]
  vars    = { trove_api_url = "http://10.30.0.13:8779/" }
}
