#!/usr/bin/env bash
# Start devstack1: a DevStack-shaped Trove control plane in a systemd-nspawn
# host on the systemd lab's bridge (${LAB_NET_PREFIX}lab2, 10.233.N.10):
# MariaDB, RabbitMQ, Keystone, Glance, Trove's API (apache2 + mod_wsgi),
# devstack@tr-cond and devstack@tr-tmgr as real systemd units, on Trove 18
# (Debian 12), with Debian 13's Trove 23 ready as a second release root;
# Swift (Debian's servers) and lab/trove-standins' compute stand-in (Nova,
# Cinder, Neutron APIs) and guests (lab-guest@ units, a MariaDB each) behind
# it. See lab/devstack/README.md.
#
#   lab/devstack/up.sh           # start (idempotent); first time: install, build
#   lab/devstack/up.sh --reset   # power off and start again from the saved
#                                # first-boot state (Trove 18, nothing created)
#
# Knobs: DEVSTACK_BOOT_TIMEOUT (s, 180), DEVSTACK_TMPFS_SIZE (1g).
set -euo pipefail
umask 022
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/devstack/common.sh
. "$here/common.sh"
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, mounts, systemd-nspawn)"
reset=0
case "${1:-}" in
  --reset) reset=1 ;;
  "") ;;
  *) die "unknown argument $1 (--reset)" ;;
esac
boot_timeout=${DEVSTACK_BOOT_TIMEOUT:-180}
T0=$SECONDS
mkdir -p "$DS/pids" "$DS_HOSTDIR" "$DS_RELEASES"

# --- the new release's root, built once, in the background meanwhile ---------
# (debootstrap and the root's own apt-get take no lock of this machine's dpkg:
# only debootstrap itself is installed first)
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends debootstrap >"$DS/apt.log" 2>&1 ||
    { tail -n 20 "$DS/apt.log" >&2; die "apt-get install debootstrap failed"; }
fi
"$here/release-root.sh" "$DS_RELEASES/$DS_NEW_RELEASE" >"$DS/release-root.out" 2>&1 &
rel_pid=$!
wait_release() {
  wait "$rel_pid" || { cat "$DS/release-root.out" >&2; die "the $DS_NEW_RELEASE release root could not be built"; }
  tail -n 1 "$DS/release-root.out"
}

# --- packages (Debian 12: the host's / is the container's lower layer) -------
# (the second line: Swift and what lab/trove-standins' compute and guest
# stand-ins import; the guests' MariaDB is mariadb-server's mariadbd)
pkgs=(systemd-container openssh-server openssh-client iproute2 util-linux curl debootstrap
  mariadb-server mariadb-client rabbitmq-server keystone glance-api
  python3-trove trove-api trove-conductor trove-taskmanager python3-pymysql python3-keystoneclient
  apache2 libapache2-mod-wsgi-py3 uwsgi uwsgi-plugin-python3
  swift-proxy swift-account swift-container swift-object python3-keystonemiddleware python3-oslo.messaging
  python3-swiftclient python3-yaml python3-webob)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  t=$SECONDS
  # The packages' maintainer scripts must not start services on this machine.
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends "${missing[@]}" \
    >"$DS/apt.log" 2>&1 || { ((made_policy)) && rm -f /usr/sbin/policy-rc.d; tail -n 20 "$DS/apt.log" >&2; die "apt-get install failed"; }
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
  say "installed in $((SECONDS - t)) s"
fi

# --- keys, secrets ----------------------------------------------------------------
[[ -s $DS_KEY ]] || ssh-keygen -q -t ed25519 -N '' -C runbook-lab-devstack -f "$DS_KEY"
[[ -s $DS_HOSTDIR/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C "root@$DS_NAME" -f "$DS_HOSTDIR/ssh_host_ed25519_key"
[[ -s $DS_HOSTDIR/machine-id ]] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$DS_HOSTDIR/machine-id"
mkdir -p "$DS/secrets"
chmod 700 "$DS/secrets"
secret() { # NAME: a random password kept in $DS/secrets/NAME (0600)
  local f=$DS/secrets/$1
  [[ -s $f ]] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 24 >"$f")
  cat "$f"
}
ADMIN_PW=$(secret admin) DEMO_PW=$(secret demo) GLANCE_PW=$(secret glance) TROVE_PW=$(secret trove)
NOVA_PW=$(secret nova) SWIFT_PW=$(secret swift)
RABBIT_PW=$(secret rabbit) DB_PW_KEYSTONE=$(secret db-keystone) DB_PW_GLANCE=$(secret db-glance) DB_PW_TROVE=$(secret db-trove)
KEYSTONE_URL=http://$DS_ADDR:5000/v3
GLANCE_URL=http://$DS_ADDR:9292
TROVE_BASE=http://$DS_ADDR:8779
TRANSPORT_URL="rabbit://stackrabbit:$RABBIT_PW@$DS_ADDR:5672/"
STANDINS=$here/../trove-standins
# The stand-ins' Neutron networks (lab/trove-standins' ids): private (fixed
# IPs, the default), public (floating IPs); both from devstack1's instance
# addresses 10.233.N.100-131 (ds_instance_addrs), all on its eth0.
PRIVATE_NET=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/network/private"))')
PUBLIC_NET=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/network/public"))')
COMPUTE_URL=http://$DS_ADDR:18774  # the three APIs under one port; the catalog's are DevStack's ports
SWIFT_URL=http://$DS_ADDR:8080
FLAVOR_ID=10
# The catalog. Trove finds Nova, Cinder, Neutron and Swift here; their
# stand-ins (lab/trove-standins) serve these addresses on devstack1.
ENDPOINTS=$(printf '[["image","glance","%s"],["database","trove","%s/v1.0/%%(tenant_id)s"],["compute","nova","http://%s:8774/v2.1"],["volumev3","cinderv3","http://%s:8776/v3/%%(project_id)s"],["network","neutron","http://%s:9696"],["object-store","swift","http://%s:8080/v1/AUTH_%%(project_id)s"]]' \
  "$GLANCE_URL" "$TROVE_BASE" "$DS_ADDR" "$DS_ADDR" "$DS_ADDR" "$DS_ADDR")

# --- seeds ---------------------------------------------------------------------------
# seed/upper: identity and sshd, copied into every boot's upper layer;
# seed/units: the container's whole /etc/systemd/system.
seed_runtime() {
  local hd=$DS_HOSTDIR up units u
  up=$hd/seed/upper units=$hd/seed/units
  rm -rf "$hd/seed"
  mkdir -p "$up/etc/ssh/authorized_keys" "$up/root" "$units/devstack-lab.target.wants" "$units/devstack-build.target.wants"
  chmod 700 "$up/root"
  { cat "$hd/machine-id"; echo; } >"$up/etc/machine-id"
  echo "$DS_NAME" >"$up/etc/hostname"
  printf '127.0.0.1 localhost\n%s %s\n' "$DS_ADDR" "$DS_NAME" >"$up/etc/hosts"
  install -m 600 "$hd/ssh_host_ed25519_key" "$up/etc/ssh/ssh_host_ed25519_key"
  install -m 644 "$hd/ssh_host_ed25519_key.pub" "$up/etc/ssh/ssh_host_ed25519_key.pub"
  install -m 644 "$DS_KEY.pub" "$up/etc/ssh/authorized_keys/root"
  install -m 644 "$DS_KEY.pub" "$up/etc/ssh/authorized_keys/stack"  # DevStack's user (sudo)
  install -m 644 "$here/../nspawn/sshd_config" "$up/etc/ssh/sshd_config"
  cp /etc/skel/.bashrc /etc/skel/.profile "$up/root/"
  cp "$here"/units/* "$STANDINS"/units/* "$units/"
  ln -s /etc/systemd/system/devstack-lab.target "$units/default.target"
  ln -s /lib/systemd/system/ssh.service "$units/sshd.service"
  ln -s /lib/systemd/system/ssh.service "$units/devstack-build.target.wants/ssh.service"
  for u in ssh.service mariadb.service rabbitmq-server.service; do
    ln -s "/lib/systemd/system/$u" "$units/devstack-lab.target.wants/$u"
  done
  for u in devstack@keystone devstack@g-api apache2 devstack@tr-cond devstack@tr-tmgr lab-compute; do
    ln -s "/etc/systemd/system/$u.service" "$units/devstack-lab.target.wants/$u.service"
  done
  for u in proxy account container object; do
    ln -s /etc/systemd/system/lab-swift@.service "$units/devstack-lab.target.wants/lab-swift@$u.service"
  done
}

# build upper: what DevStack's stack.sh would leave in /etc and /usr/local
# (configs, wrappers), then lab/devstack/files/init.sh stacks on first boot.
seed_build() { # UPPER
  local up=$1 lib=$1/usr/local/lib/devstack-lab
  mkdir -p "$up/etc/devstack" "$up/etc/trove" "$up/etc/keystone" "$up/etc/glance" "$up/etc/mysql/mariadb.conf.d" \
    "$up/usr/local/sbin" "$up/usr/local/bin" "$lib/python" "$up/opt/trove/releases" "$up/var/lib/mysql" \
    "$up/opt/trove-standins" "$up/etc/lab-compute" "$up/etc/trove/cloudinit"
  # the host's /var/lib/mysql is not devstack1's: an empty, opaque datadir
  /usr/bin/python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$up/var/lib/mysql"
  install -m 755 "$here/files/trove-release-exec" "$up/usr/local/sbin/"
  install -m 755 "$here/files/trove-manage" "$up/usr/local/bin/"
  install -m 755 "$here/files/enter-root" "$here/files/init.sh" "$here/files/release.sh" "$lib/"
  install -m 755 "$here/../openstack/trove-manage" "$lib/trove-manage.py"
  install -m 644 "$here/../openstack/trove_seed.py" "$here/../openstack/catalog.py" "$here/files/trove-api.wsgi" "$lib/"
  install -m 644 "$here/files/trove_lab_filter.py" "$lib/python/"
  install -m 644 "$here/files/apache2-trove-api.conf" "$up/etc/devstack/"
  install -m 644 "$here/files/api-paste.ini" "$up/etc/trove/"
  # lab/trove-standins: the code (units set PYTHONPATH=/opt/trove-standins),
  # Swift's config writer (init.sh runs it), the compute stand-in's config
  cp -r "$STANDINS/standins" "$up/opt/trove-standins/"
  find "$up/opt/trove-standins" -name __pycache__ -prune -exec rm -rf {} +
  install -m 755 "$STANDINS/swift-config.sh" "$lib/"
  COMPUTE_BIND=0.0.0.0 COMPUTE_PORT=${COMPUTE_URL##*:} COMPUTE_PUBLIC_URL=$COMPUTE_URL COMPUTE_STATE=/var/lib/lab-compute \
    GUEST_LAUNCHER=systemd PLUG_DEVICE= NET_PREFIX=$NET FIXED_POOL=$NET.100-$NET.123 FLOAT_POOL=$NET.124-$NET.131 \
    KEYSTONE_URL=$KEYSTONE_URL NOVA_PASSWORD=$NOVA_PW HOST_NAME=$DS_NAME EXTRA_LISTENERS="8774=/compute 8776=/volume 9696=/networking" \
    "$STANDINS/compute-config.sh" "$up/etc/lab-compute/compute.conf"
  (umask 077 && cat >"$up/etc/devstack/lab.env" <<ENV
HOST_IP=$DS_ADDR
KEYSTONE_URL=$KEYSTONE_URL
GLANCE_URL=$GLANCE_URL
TROVE_URL=$TROVE_BASE
ADMIN_PW=$ADMIN_PW
DEMO_PW=$DEMO_PW
GLANCE_PW=$GLANCE_PW
TROVE_PW=$TROVE_PW
NOVA_PW=$NOVA_PW
SWIFT_PW=$SWIFT_PW
SWIFT_HASH=lab-$DS_NAME-slot$LAB_SLOT
SWIFT_URL=$SWIFT_URL
COMPUTE_URL=$COMPUTE_URL
RABBIT_USER=stackrabbit
RABBIT_PW=$RABBIT_PW
DB_PW_KEYSTONE=$DB_PW_KEYSTONE
DB_PW_GLANCE=$DB_PW_GLANCE
DB_PW_TROVE=$DB_PW_TROVE
LAB_ENDPOINTS='$ENDPOINTS'
ENV
  )
  cat >"$up/etc/mysql/mariadb.conf.d/99-devstack.cnf" <<CNF
# devstack1 (lab/devstack/up.sh): reachable on the host's address, small;
# not on the instances' addresses (their guests' MariaDB servers listen there)
[mysqld]
bind-address = 127.0.0.1,$DS_ADDR
skip-name-resolve
max_connections = 500
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0
performance_schema = OFF
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
CNF
  (umask 077 && cat >"$up/etc/keystone/keystone.conf" <<CONF
# devstack1 (lab/devstack/up.sh)
[DEFAULT]
use_stderr = true
[database]
connection = mysql+pymysql://keystone:$DB_PW_KEYSTONE@127.0.0.1/keystone?charset=utf8mb4
[token]
provider = fernet
[identity]
# a lab: bcrypt's minimum cost (every password login hashes; the default 12
# costs seconds per login on a loaded 2-core machine)
password_hash_rounds = 4
[cache]
enabled = true
backend = dogpile.cache.memory
CONF
  )
  local authtoken
  authtoken="www_authenticate_uri = http://$DS_ADDR:5000
auth_url = http://$DS_ADDR:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service"
  (umask 077 && cat >"$up/etc/glance/glance-api.conf" <<CONF
# devstack1 (lab/devstack/up.sh)
[DEFAULT]
bind_host = 0.0.0.0
bind_port = 9292
workers = 1
use_stderr = true
enabled_backends = fs:file
[database]
connection = mysql+pymysql://glance:$DB_PW_GLANCE@127.0.0.1/glance?charset=utf8mb4
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = /var/lib/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = /var/lib/glance/tasks/
[paste_deploy]
flavor = keystone
[keystone_authtoken]
$authtoken
username = glance
password = $GLANCE_PW
CONF
  )
  (umask 077 && cat >"$up/etc/trove/trove.conf" <<CONF
# devstack1's trove.conf (lab/devstack/up.sh): one file for the API
# (apache2 + mod_wsgi), devstack@tr-cond and devstack@tr-tmgr, as DevStack
# writes it; they talk over RabbitMQ on this host.
[DEFAULT]
debug = true
use_stderr = true
bind_host = 0.0.0.0
bind_port = 8779
trove_api_workers = 1
control_exchange = trove
transport_url = $TRANSPORT_URL
api_paste_config = /etc/trove/api-paste.ini
taskmanager_manager = trove.taskmanager.manager.Manager
default_datastore = mysql
os_region_name = RegionOne
trove_volume_support = true
network_driver = trove.network.neutron.NeutronDriver
guest_config = /etc/trove/trove-guestagent.conf
cloudinit_location = /etc/trove/cloudinit
block_device_mapping = vdb
device_path = /dev/vdb
max_accepted_volume_size = 10
max_instances_per_tenant = 20
max_volumes_per_tenant = 40
max_backups_per_tenant = 50
trove_security_groups_support = true
# the compute stand-in boots in about a second: Trove polls every 2 s, not 10
usage_sleep_time = 2
usage_timeout = 300
restore_usage_timeout = 300
volume_time_out = 30
state_change_wait_time = 120
resize_time_out = 300
reboot_time_out = 120
server_delete_time_out = 60
agent_call_high_timeout = 300
# guests heartbeat every 10 s (report_interval in trove-guestagent.conf)
agent_heartbeat_expiry = 45
databases_page_size = 1000
users_page_size = 1000
instances_page_size = 1000
backups_page_size = 1000
configurations_page_size = 1000
http_get_rate = 10000
http_post_rate = 10000
http_put_rate = 10000
http_delete_rate = 10000
http_mgmt_post_rate = 10000
[database]
connection = mysql+pymysql://trove:$DB_PW_TROVE@127.0.0.1/trove?charset=utf8mb4
[network]
# floating IPs of public instances come from the stand-in's public network
public_network_id = $PUBLIC_NET
[mysql]
volume_support = true
device_path = /dev/vdb
[keystone_authtoken]
$authtoken
username = trove
password = $TROVE_PW
[service_credentials]
auth_url = http://$DS_ADDR:5000/v3
region_name = RegionOne
project_name = service
project_domain_name = Default
user_domain_name = Default
username = trove
password = $TROVE_PW
[oslo_messaging_notifications]
driver = noop
[oslo_concurrency]
lock_path = /var/lib/trove/lock
CONF
  )
  cat >"$up/etc/trove/trove-guestagent.conf" <<CONF
# Guest agent configuration: Trove's taskmanager injects this file into
# every guest at create and rebuild (guest_config in trove.conf).
[DEFAULT]
control_exchange = trove
transport_url = $TRANSPORT_URL
report_interval = 10
log_dir = /var/log/trove/
log_file = trove-guestagent.log
[service_credentials]
auth_url = $KEYSTONE_URL
region_name = RegionOne
[mysql]
CONF
  chmod 640 "$up/etc/trove/trove-guestagent.conf"
}

# The saved first-boot state is reused while nothing it was made from changed.
stamp=$({
  echo "$DS_ADDR $ENDPOINTS"
  cat "$here"/up.sh "$here"/common.sh "$here"/files/* "$here"/units/* "$here"/../openstack/trove-manage \
    "$here"/../openstack/trove_seed.py "$here"/../openstack/catalog.py \
    "$STANDINS"/units/* "$STANDINS"/compute-config.sh "$STANDINS"/swift-config.sh
  find "$STANDINS/standins" -name '*.py' | sort | xargs cat
  dpkg-query -W -f='${Package} ${Version}\n' keystone glance-api python3-trove mariadb-server rabbitmq-server swift-proxy python3-oslo.messaging
  cat "$DS/secrets"/*
} | sha256sum | cut -c1-16)

# --- already up (from what lab/devstack is now)? ----------------------------------------------------------------
if ds_running && ((!reset)) && [[ -s $DS/env ]] && [[ $(cat "$DS/running.stamp" 2>/dev/null) == "$stamp" ]] &&
  [[ $(ds_ssh 'systemctl is-active devstack-lab.target' 2>/dev/null) == active ]]; then
  wait_release
  say "already up: $DS_NAME at $DS_ADDR (env $DS/env)"
  exit 0
fi
if ds_running || [[ -e $DS_PIDF ]] || ip netns list 2>/dev/null | grep -qE "^$DS_NETNS( |\$)"; then
  say "taking the running or half-made $DS_NAME down first"
  # a reset throws the host's state away: no need to wait for an orderly power-off
  if ((reset)); then DEVSTACK_STOP_TIMEOUT=${DEVSTACK_STOP_TIMEOUT:-2} "$here/down.sh"; else "$here/down.sh"; fi
fi

# --- network: own netns, one veth onto the shared bridge, no default route ------
# (and the addresses database instances get: the stand-ins' guests listen there)
bridge_up
# shellcheck disable=SC2046 # one address per word
netns_up "$DS_NETNS" "$DS_VETH" "$DS_ADDR" $(ds_instance_addrs)

launch() { # TARGET [UPPER-ON-DISK]
  local target=$1 upper=${2:-} from=""
  [[ -z $upper ]] && from=$DS_GOLDEN/upper
  seed_runtime
  mkdir -p "$DS_HOSTDIR/rw" "$DS_HOSTDIR/root"
  say "starting $DS_NAME ($DS_ADDR, netns $DS_NETNS, target $target)"
  STARTED_AT=$SECONDS
  NSPAWN_TMPFS_SIZE=${DEVSTACK_TMPFS_SIZE:-1g} NSPAWN_UPPER_FROM=$from NSPAWN_UPPER=$upper NSPAWN_TARGET=$target \
    NSPAWN_BINDS="$DS_RELEASES:/opt/trove/releases.d" \
    setsid unshare --mount --propagation private "$here/../nspawn/launch.sh" "$DS_HOSTDIR" "$DS_NAME" "$DS_NETNS" \
    </dev/null >"$DS_HOSTDIR/console.log" 2>&1 &
  echo $! >"$DS_PIDF"
  echo "$stamp" >"$DS/running.stamp"
  echo "$DS_ADDR $(cut -d' ' -f1,2 "$DS_HOSTDIR/ssh_host_ed25519_key.pub")" >"$DS_KNOWN_HOSTS"
  local pid deadline init
  pid=$(cat "$DS_PIDF")
  deadline=$((SECONDS + boot_timeout))
  until ds_ssh true 2>/dev/null; do
    ds_running || { tail -n 40 "$DS_HOSTDIR/console.log" >&2; die "systemd-nspawn (pid $pid) exited during boot"; }
    ((SECONDS < deadline)) || { tail -n 40 "$DS_HOSTDIR/console.log" >&2; die "sshd on $DS_ADDR did not answer within ${boot_timeout}s"; }
    sleep 0.2
  done
  init=$(container_init_pid "$pid") || die "cannot find the container's PID 1 under nspawn pid $pid"
  echo "$init $(proc_starttime "$init")" >"$DS_INITF"
  say "$DS_NAME answers ssh after $((SECONDS - STARTED_AT)) s"
}

if [[ $(cat "$DS_GOLDEN/stamp" 2>/dev/null) != "$stamp" ]]; then
  say "first boot: stacking $DS_NAME (saved afterwards as $DS_GOLDEN)"
  rm -rf "$DS_GOLDEN" "$DS/build"
  mkdir -p "$DS/build/upper"
  seed_build "$DS/build/upper"
  launch devstack-build.target "$DS/build/upper"
  t=$SECONDS
  ds_ssh timeout "${DEVSTACK_STACK_TIMEOUT:-1200}" /usr/local/lib/devstack-lab/init.sh 2>&1 | tee "$DS/init.log" | sed 's/^/  /' ||
    die "stacking failed (log $DS/init.log; the host stays up for inspection: lab/devstack/down.sh)"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || die "stacking failed (log $DS/init.log)"
  say "stacked in $((SECONDS - t)) s; powering off to keep the state"
  nspawn_stop "$DS_NAME" "$DS_HOSTDIR" "$DS_PIDF" "$DS_INITF" 60 || die "$DS_NAME did not stop"
  mkdir -p "$DS_GOLDEN"
  mv "$DS/build/upper" "$DS_GOLDEN/upper"
  rm -rf "$DS/build"
  echo "$stamp" >"$DS_GOLDEN/stamp"
fi

launch devstack-lab.target
state=$(ds_ssh 'timeout 150 systemctl is-system-running --wait' 2>/dev/null || true)
if [[ $state != running ]]; then
  ds_ssh 'systemctl --failed --no-legend; for u in $(systemctl --failed --no-legend --plain | cut -d" " -f1); do journalctl -u "$u" -n 15 --no-pager; done' >&2 || true
  die "$DS_NAME: systemctl is-system-running says '${state:-nothing}' (want running)"
fi
say "$DS_NAME: all units up $((SECONDS - STARTED_AT)) s after the start"
for ((i = 0; i < 300; i++)); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$TROVE_BASE/" || true)
  [[ $code == 200 ]] && break
  sleep 0.2
done
[[ $code == 200 ]] || die "Trove's API at $TROVE_BASE/ answers ${code:-nothing}"
say "Trove API answers $((SECONDS - STARTED_AT)) s after the start: $(curl -s -D - -o /dev/null "$TROVE_BASE/" | tr -d '\r' | grep -i '^x-lab-trove-version')"

# The new release's root: bound with its folder, so the first boot's
# stacking ran while it was still being built.
if [[ ! -e $DS_RELEASES/$DS_NEW_RELEASE/.complete ]]; then
  say "waiting for the $DS_NEW_RELEASE release root (debootstrap + apt, first time only)"
fi
wait_release

# --- files for clients -------------------------------------------------------------
# shellcheck disable=SC1090,SC1091
. <(ds_ssh cat /etc/devstack/images.env)
ids=$(ds_ssh cat /etc/devstack/catalog.json)
jget() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ids" "$1"; }
{
  echo "# devstack1 (lab/devstack/up.sh): DevStack's cloud names; passwords in secure.yaml"
  echo "clouds:"
  for c in devstack-admin:admin:admin devstack:demo:demo devstack-demo:demo:demo; do
    IFS=: read -r cloud user project <<<"$c"
    cat <<YAML
  $cloud:
    auth:
      auth_url: $KEYSTONE_URL
      username: $user
      project_name: $project
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
YAML
  done
} >"$DS/clouds.yaml"
(umask 077 && cat >"$DS/secure.yaml" <<YAML
clouds:
  devstack-admin:
    auth:
      password: $ADMIN_PW
  devstack:
    auth:
      password: $DEMO_PW
  devstack-demo:
    auth:
      password: $DEMO_PW
YAML
)
cat >"$DS/env.tmp" <<ENV
# devstack1 (written by lab/devstack/up.sh); KEY=VALUE, no quoting
LAB_DEVSTACK_HOST=$DS_NAME
LAB_DEVSTACK_ADDRESS=$DS_ADDR
LAB_DEVSTACK_USER=root
LAB_DEVSTACK_KEY=$DS_KEY
LAB_DEVSTACK_KNOWN_HOSTS=$DS_KNOWN_HOSTS
LAB_DEVSTACK_DIR=$DS
LAB_DEVSTACK_INSTANCE_ADDRESSES=$(ds_instance_addrs | paste -sd,)
LAB_DEVSTACK_UP=$here/up.sh
LAB_DEVSTACK_FAULT=$here/fault.sh
LAB_DEVSTACK_STACK_USER=stack
LAB_DEVSTACK_RELEASE_OLD=zed
LAB_DEVSTACK_RELEASE_NEW=$DS_NEW_RELEASE
LAB_DEVSTACK_CLOUDS_YAML=$DS/clouds.yaml
LAB_DEVSTACK_SECURE_YAML=$DS/secure.yaml
LAB_DEVSTACK_CLOUD_ADMIN=devstack-admin
LAB_DEVSTACK_CLOUD_DEMO=devstack
LAB_DEVSTACK_RELEASE_SCRIPT=/usr/local/lib/devstack-lab/release.sh
LAB_DEVSTACK_TROVE_CONF=/etc/trove/trove.conf
LAB_DEVSTACK_KEYSTONE_URL=$KEYSTONE_URL
LAB_DEVSTACK_GLANCE_URL=$GLANCE_URL
LAB_DEVSTACK_TROVE_URL=$TROVE_BASE
LAB_DEVSTACK_ADMIN_PROJECT_ID=$(jget admin_project_id)
LAB_DEVSTACK_DEMO_PROJECT_ID=$(jget demo_project_id)
LAB_DEVSTACK_ADMIN_PASSWORD_FILE=$DS/secrets/admin
LAB_DEVSTACK_DEMO_PASSWORD_FILE=$DS/secrets/demo
LAB_DEVSTACK_IMAGE_ID=$IMAGE_ID
LAB_DEVSTACK_IMAGE2_ID=$IMAGE2_ID
LAB_DEVSTACK_DATASTORE=mysql
LAB_DEVSTACK_DATASTORE_VERSION=5.7.29
LAB_DEVSTACK_DATASTORE_UPGRADE_VERSION=5.7.30
LAB_DEVSTACK_TRANSPORT_URL_FILE=$DS/secrets/rabbit
LAB_DEVSTACK_COMPUTE_URL=$COMPUTE_URL
LAB_DEVSTACK_COMPUTE_STATE=/var/lib/lab-compute
LAB_DEVSTACK_FAULTS_DIR=/var/lib/lab-compute/faults
LAB_DEVSTACK_SWIFT_URL=$SWIFT_URL
LAB_DEVSTACK_PRIVATE_NET=$PRIVATE_NET
LAB_DEVSTACK_PUBLIC_NET=$PUBLIC_NET
LAB_DEVSTACK_FLAVOR_ID=$FLAVOR_ID
ENV
mv "$DS/env.tmp" "$DS/env"
init=$(cut -d' ' -f1 "$DS_INITF")
say "ready in $((SECONDS - T0)) s: $DS_NAME $DS_ADDR, $(($(container_pss_kib "$init") / 1024)) MiB (PSS), load $(cut -d' ' -f1-3 /proc/loadavg); env $DS/env"
