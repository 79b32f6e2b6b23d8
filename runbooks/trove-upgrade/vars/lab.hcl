# (Not lab.vars.hcl next to main.hcl: every .hcl file of the runbook folder
# is part of the runbook, so variable files live in vars/.)
# Variables for the local lab (lab/trove-demo.sh): -i inventories/lab.hcl
# --var-file runbooks/trove-upgrade/vars/lab.hcl, with OS_CLIENT_CONFIG_FILE
# pointing at $RUNBOOK_LAB_DIR/openstack/clouds.yaml.
release       = "zed"
admin_cloud   = "lab-admin"
project_cloud = "lab-demo"

# trovestack needs diskimage-builder and the internet: the demo puts the
# lab's small fake guest image where build_image would write it.
guest       = { disk_format = "raw" }
image_cache = "/tmp/runbook-lab/trove-image-cache/"

# Trove's fake mode in lab/openstack listens here.
trove_api_url = "http://127.0.0.1:28779/"

datastore = { name = "mysql", old_version = "5.7.29", new_version = "5.7.30" }

# Debian's packaged trove.conf, for controllers without one.
seed_trove_conf = "/etc/trove/trove.conf"

conf_default = { control_exchange = "trove", trove_volume_support = "true" }

# Other tests share the lab's Trove: leave the default version alone (they
# create instances without naming one) and upgrade only the demo's instances.
make_default   = false
instance_names = ["trove-demo-db1", "trove-demo-db2"]
