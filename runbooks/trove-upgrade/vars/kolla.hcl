# kolla-ansible (inventories/kolla.hcl): the new images pulled first.
from_release   = "2024.1"
target_release = "2025.1"
admin_cloud    = "kolla-admin"
project_cloud  = "kolla-dbaas"

guest = { os = "ubuntu", os_release = "jammy", dev_mode = false }

datastore = { name = "mysql", old_version = "8.0", new_version = "8.0" }

# Written to /etc/kolla/trove-taskmanager/trove-guestagent.conf; mirror
# them in /etc/kolla/config/trove-guestagent.conf for kolla-ansible.
guest_conf = {
  mysql = {
    docker_image        = "quay.io/openstack.trove/mysql"
    backup_docker_image = "quay.io/openstack.trove/db-backup-mysql"
  }
}
