# The local lab (inventories/lab.hcl, devstack1 of lab/devstack): Trove 18
# (zed) upgraded to the Debian 13 root's Trove 23 (2025.1) once the test
# (or lab/devstack's release.sh install 2025.1) installed it. OpenStack does
# not support zed -> 2025.1 (it skips 2023.1 .. 2024.2): the lab has only
# these two releases, so the jump is allowed here explicitly; Trove's own
# schema rules (a Wallaby-or-later schema for its alembic code) still apply.
# Give the new guest image: --var image_id=$LAB_DEVSTACK_IMAGE2_ID.
from_release       = "zed"
target_release     = "2025.1"
allow_release_jump = true
admin_cloud        = "devstack-admin"
project_cloud      = "devstack"

# No diskimage-builder or internet here: the lab registered its guest images.
build_image = false

datastore = { name = "mysql", old_version = "5.7.29", new_version = "5.7.29" }

guest_conf = {
  mysql = {
    docker_image        = "quay.io/openstack.trove/mysql"
    backup_docker_image = "quay.io/openstack.trove/db-backup-mysql"
  }
}

# trove-release-exec runs the 2025.1 code in its own root, where /tmp is
# devstack1's and /var/tmp is not.
host_dump_dir = "/tmp/"
dump_dir      = "/tmp/runbook-lab/trove-upgrade-dumps/"
min_free_mb   = 64
