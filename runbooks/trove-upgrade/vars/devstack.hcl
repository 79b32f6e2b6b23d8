# DevStack, e.g. from 2024.1 to 2024.2 (stack.sh's own clouds).
#   runbook check --diff -i inventories/devstack.hcl --var-file runbooks/trove-upgrade/vars/devstack.hcl runbooks/trove-upgrade
from_release   = "2024.1"
target_release = "2024.2"
admin_cloud    = "devstack-admin"
project_cloud  = "devstack"

# trovestack builds the guest image on the DevStack host (20-40 min, needs
# the internet). DevStack's own default since 2023.2 is Ubuntu jammy.
guest = { os = "ubuntu", os_release = "jammy", dev_mode = false }

# The datastore DevStack registers (TROVE_DATASTORE_TYPE/VERSION); upstream's
# in-place procedure keeps the version and rebuilds every instance.
datastore = { name = "mysql", old_version = "5.7", new_version = "5.7" }

# Guest options DevStack writes into trove-guestagent.conf: the guest
# appends the datastore version to docker_image (quay.io/openstack.trove/mysql:5.7).
guest_conf = {
  mysql = {
    docker_image        = "quay.io/openstack.trove/mysql"
    backup_docker_image = "quay.io/openstack.trove/db-backup-mysql"
  }
}
