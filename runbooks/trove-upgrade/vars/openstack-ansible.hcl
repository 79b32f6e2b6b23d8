# openstack-ansible (inventories/openstack-ansible.hcl), after
# `openstack-ansible os-trove-install.yml` of the new release.
from_release   = "2024.1"
target_release = "2025.1"
admin_cloud    = "osa-admin"
project_cloud  = "osa-dbaas"

# os_trove's trove_glance_images registered the new guest image already.
build_image = false
image_id    = "00000000-0000-0000-0000-000000000000" # its Glance id

datastore = { name = "mysql", old_version = "8.0", new_version = "8.0" }

# os_trove renders trove-guestagent.conf from trove_guestagent_config_overrides:
# set the same there, or the next os-trove-install.yml reverts these.
guest_conf = {
  mysql = {
    docker_image        = "quay.io/openstack.trove/mysql"
    backup_docker_image = "quay.io/openstack.trove/db-backup-mysql"
  }
}
