#!/usr/bin/env bash
# compute-config.sh FILE: write the compute stand-in's configuration (see
# standins/config.py for every option). Used by up.sh (dev mode) and by a host
# that runs the stand-ins as systemd units (devstack1). Environment:
#   COMPUTE_BIND (127.0.0.1), COMPUTE_PORT (required), COMPUTE_PUBLIC_URL
#   (http://COMPUTE_BIND:COMPUTE_PORT: what the catalog and links say)
#   COMPUTE_STATE     state directory (required)
#   GUEST_LAUNCHER    process (dev mode) | systemd (lab-guest@<server>)
#   PLUG_DEVICE       interface that gets each instance's address (/32); empty
#                     in dev mode (loopback addresses need none)
#   NET_PREFIX        first three octets of the instance network, e.g. 127.0.3
#                     or 10.233.3: fixed IPs .100-.149, floating .150-.199,
#                     gateway/router .1 (FIXED_POOL, FLOAT_POOL, NET_GATEWAY override)
#   KEYSTONE_URL, NOVA_PASSWORD   the stand-in's service user (nova, project service)
#   FLAVORS           "ID:NAME:RAM ..." (default "10:m1.rd-tiny:512 8:m1.rd-smaller:768")
#   LOG_FILE, GUEST_LOG_DIR       (default: stderr, STATE/guest-logs)
#   GUEST_PYTHON (/usr/bin/python3), HOST_NAME (lab-compute)
#   EXTRA_LISTENERS   more ports serving one API each at their root, e.g.
#                     "8774=/compute 8776=/volume 9696=/networking" (DevStack's ports)
set -euo pipefail
out=$1
: "${COMPUTE_BIND:=127.0.0.1}" "${COMPUTE_PUBLIC_URL:=http://$COMPUTE_BIND:$COMPUTE_PORT}"
: "${GUEST_LAUNCHER:=process}" "${PLUG_DEVICE:=}" "${HOST_NAME:=lab-compute}" "${GUEST_PYTHON:=/usr/bin/python3}"
: "${FIXED_POOL:=$NET_PREFIX.100-$NET_PREFIX.149}" "${FLOAT_POOL:=$NET_PREFIX.150-$NET_PREFIX.199}"
: "${NET_GATEWAY:=$NET_PREFIX.1}" "${FLAVORS:=10:m1.rd-tiny:512 8:m1.rd-smaller:768}"
: "${LOG_FILE:=}" "${GUEST_LOG_DIR:=$COMPUTE_STATE/guest-logs}" "${EXTRA_LISTENERS:=}"
umask 077
{
  cat <<EOF
# written by lab/trove-standins/compute-config.sh
[DEFAULT]
bind_host = $COMPUTE_BIND
bind_port = $COMPUTE_PORT
public_url = $COMPUTE_PUBLIC_URL
state_dir = $COMPUTE_STATE
host_name = $HOST_NAME
boot_seconds = 1
guest_launcher = $GUEST_LAUNCHER
plug_device = $PLUG_DEVICE
extra_listeners = $EXTRA_LISTENERS
log_file = $LOG_FILE
guest_log_dir = $GUEST_LOG_DIR

[guest]
python = $GUEST_PYTHON

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
username = nova
password = $NOVA_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
service_token_roles_required = true

[network:private]
cidr = $NET_PREFIX.0/24
gateway = $NET_GATEWAY
pool = $FIXED_POOL
default = true

[network:public]
cidr = $NET_PREFIX.0/24
pool = $FLOAT_POOL
external = true
EOF
  for f in $FLAVORS; do
    IFS=: read -r id name ram <<<"$f"
    printf '\n[flavor:%s]\nname = %s\nram = %s\nvcpus = 1\n' "$id" "$name" "$ram"
  done
} >"$out"
