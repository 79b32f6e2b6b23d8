#!/usr/bin/env bash
# swift-config.sh DIR: write a one-node Swift (Debian's swift packages) into DIR:
# swift.conf, proxy/account/container/object server configs, and rings with one
# device and 1 replica each. Idempotent (rings are built once).
#
# Environment (all required unless a default is shown):
#   SWIFT_BIND        address every server binds (127.0.0.1)
#   SWIFT_PORT SWIFT_OBJECT_PORT SWIFT_CONTAINER_PORT SWIFT_ACCOUNT_PORT
#   KEYSTONE_URL      e.g. http://127.0.0.1:25000/v3
#   SWIFT_PASSWORD    of the swift service user (admin in project service)
#   SWIFT_HASH        swift_hash_path_suffix (any stable string)
# The proxy checks tokens with keystonemiddleware against the real Keystone
# (keystoneauth: roles admin and member operate an account, ResellerAdmin any).
# Devices live under DIR/node/sdb1 (mount_check off; object metadata goes into
# user xattrs, which ext4 and tmpfs here support).
set -euo pipefail
dir=$1
: "${SWIFT_BIND:=127.0.0.1}"
mkdir -p "$dir/node/sdb1" "$dir/run"
umask 077

cat >"$dir/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $SWIFT_HASH
swift_hash_path_prefix = lab
[storage-policy:0]
name = Policy-0
default = yes
EOF

server_conf() { # KIND PORT
  cat >"$dir/$1-server.conf" <<EOF
[DEFAULT]
bind_ip = $SWIFT_BIND
bind_port = $2
workers = 0
devices = $dir/node
mount_check = false
swift_dir = $dir
log_name = $1-server
log_level = INFO
[pipeline:main]
pipeline = $1-server
[app:$1-server]
use = egg:swift#$1
EOF
}
server_conf object "$SWIFT_OBJECT_PORT"
server_conf container "$SWIFT_CONTAINER_PORT"
server_conf account "$SWIFT_ACCOUNT_PORT"

cat >"$dir/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = $SWIFT_BIND
bind_port = $SWIFT_PORT
workers = 0
swift_dir = $dir
log_name = proxy-server
log_level = INFO
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging listing_formats authtoken keystoneauth copy dlo slo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = swift
password = $SWIFT_PASSWORD
delay_auth_decision = True
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
reseller_admin_role = ResellerAdmin
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:dlo]
use = egg:swift#dlo
[filter:slo]
use = egg:swift#slo
EOF

ring() { # KIND PORT
  local b="$dir/$1.builder"
  if [[ ! -s "$dir/$1.ring.gz" ]]; then
    rm -f "$b"
    swift-ring-builder "$b" create 10 1 1 >/dev/null
    swift-ring-builder "$b" add "r1z1-$SWIFT_BIND:$2/sdb1" 100 >/dev/null
    swift-ring-builder "$b" rebalance >/dev/null || [[ -s "$dir/$1.ring.gz" ]]
  fi
}
ring object "$SWIFT_OBJECT_PORT"
ring container "$SWIFT_CONTAINER_PORT"
ring account "$SWIFT_ACCOUNT_PORT"
