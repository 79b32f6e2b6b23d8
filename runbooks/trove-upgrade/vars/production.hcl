# Distribution packages on three controllers (inventories/production.hcl),
# a SLURP upgrade: 2024.1 -> 2025.1.
from_release   = "2024.1"
target_release = "2025.1"
admin_cloud    = "prod-admin"
project_cloud  = "prod-dbaas"

# One controller at a time, each one's API answering before the next.
controller_serial = 1

# The image is built on group.devstack (the build host) and uploaded.
guest = { os = "ubuntu", os_release = "jammy", dev_mode = false }

datastore = { name = "mysql", old_version = "8.0", new_version = "8.0" }

guest_conf = {
  mysql = {
    docker_image        = "registry.example.net/trove/mysql"
    backup_docker_image = "registry.example.net/trove/db-backup-mysql"
  }
}

# Where the Trove database dump is kept on the control node.
dump_dir    = "/srv/backups/trove-upgrade/"
min_free_mb = 4096
