#!/usr/bin/env bash
# Dev mode: the real Trove control plane on loopback with the stand-ins behind it,
# in the slot of lab/slot.sh (RUNBOOK_LAB_SLOT). Starts, each idempotently:
#   - lab/openstack (MariaDB, Keystone, Glance, Trove's database seeded, and Trove's
#     fake mode unless TROVE_FAKEMODE=0: the planes below do not touch it)
#   - RabbitMQ (Debian's rabbitmq-server as a plain process: own node name,
#     epmd/AMQP/distribution ports, mnesia dir)
#   - Swift (Debian's proxy/account/container/object servers, 1 replica,
#     keystoneauth) and its object-store endpoint
#   - the compute stand-in (Nova/Cinder/Neutron APIs) and its endpoints
#   - Trove's API, conductor and taskmanager (trove.sh start REL) of each release
#     in TROVE_RELEASES, side by side: 18 (this machine's; database trove18, a copy
#     of lab/openstack's seeded trove; port TROVE18_PORT) and 23 (trixie's 2025.1
#     from lab/devstack's release root (release-root.sh); database trove23, the same copy migrated
#     by Trove 23's own db_sync; port TROVE23_PORT). Each release has its own
#     database, RabbitMQ vhost and guests.
# and writes $LAB_DIR/standins/env. Knobs: TROVE_RELEASES ("18 23"), the *_PORT
# variables of lib.sh, ADDR_PREFIX (127.0.N: instance addresses ADDR_PREFIX.100-149,
# floating .150-199). See lab/trove-standins/README.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/trove-standins/lib.sh
. "$HERE/lib.sh"
TROVE_RELEASES=${TROVE_RELEASES:-18 23}
T_ALL=$SECONDS
[[ $EUID -eq 0 ]] || die "run as root"

# --- packages ------------------------------------------------------------------------
PKGS=(rabbitmq-server swift-proxy swift-account swift-container swift-object python3-keystonemiddleware
      python3-oslo.messaging python3-pymysql python3-swiftclient python3-yaml python3-webob)
need=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
mkdir -p "$SI_STATE" "$PIDS" "$LOGS"
if ((${#need[@]})); then
  say "installing ${need[*]}"
  t0=$SECONDS
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 \
    "${need[@]}" >"$SI_STATE/apt.log" 2>&1 || { tail -n 20 "$SI_STATE/apt.log" >&2; die "apt-get install failed"; }
  say "installed in $((SECONDS - t0)) s"
fi

# --- Keystone, Glance, MariaDB, Trove's database ---------------------------------------
"$HERE/../openstack/up.sh"
# shellcheck source=/dev/null
. "$LAB_DIR/openstack/env"
RABBIT_PW=$(secret rabbit)
SWIFT_PW=$(secret swift)
NOVA_PW=$(secret nova)
TROVE_PW=$(secret trove)
TROVE_DB_URL="mysql+pymysql://trove:$(secret db-trove)@127.0.0.1:$LAB_MYSQL_PORT/trove?charset=utf8mb4"

for p in "rabbitmq:$RABBIT_PORT" "epmd:$EPMD_PORT" "swift-proxy:$SWIFT_PORT" "swift-object:$SWIFT_OBJECT_PORT" \
         "swift-container:$SWIFT_CONTAINER_PORT" "swift-account:$SWIFT_ACCOUNT_PORT"; do
  name=${p%%:*} port=${p##*:}
  if ! pid_alive "$name" && port_busy "$port"; then die "port $port for $name is busy (set its *_PORT)"; fi
done

# --- RabbitMQ ------------------------------------------------------------------------
mkdir -p "$RABBIT_DIR"/{home,mnesia,log}
cat >"$RABBIT_DIR/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$RABBIT_PORT
loopback_users = none
log.console = false
log.file.level = warning
EOF
echo '[].' >"$RABBIT_DIR/enabled_plugins"
: >"$RABBIT_DIR/rabbitmq-env.conf"
(
  rabbit_env
  pid_alive epmd || start_bg epmd "$LOGS/epmd.log" /usr/bin/epmd -port "$EPMD_PORT" -address 127.0.0.1
  if ! pid_alive rabbitmq; then
    t0=$SECONDS
    start_bg rabbitmq "$LOGS/rabbitmq.out" /usr/lib/rabbitmq/bin/rabbitmq-server
    /usr/lib/rabbitmq/bin/rabbitmqctl wait --timeout 90 "$RABBIT_DIR/rabbit.pid" >>"$LOGS/rabbitmqctl.log" 2>&1 \
      || { tail -n 30 "$LOGS/rabbitmq.out" >&2; die "rabbitmq did not start"; }
    say "rabbitmq up on 127.0.0.1:$RABBIT_PORT in $((SECONDS - t0)) s"
  fi
  # the lab's user: password from the secret store, through stdin (never on a command line)
  ctl=/usr/lib/rabbitmq/bin/rabbitmqctl
  # The broker's state can outlive the secret (lab/openstack keeps the
  # secrets, and a purge of it alone makes new ones): the user is made again
  # whenever the password it was made with (its hash, in pw.stamp) changed.
  pw_stamp=$(printf '%s' "$RABBIT_PW" | sha256sum | cut -c1-16)
  if ! $ctl list_users -q 2>/dev/null | grep -q '^lab\b' || [[ $(cat "$RABBIT_DIR/pw.stamp" 2>/dev/null) != "$pw_stamp" ]]; then
    $ctl delete_user lab >>"$LOGS/rabbitmqctl.log" 2>&1 || true
    printf '%s' "$RABBIT_PW" | $ctl add_user lab >>"$LOGS/rabbitmqctl.log" 2>&1
    echo "$pw_stamp" >"$RABBIT_DIR/pw.stamp"
  fi
  for rel in $TROVE_RELEASES; do
    $ctl list_vhosts -q 2>/dev/null | grep -qx "trove$rel" || $ctl add_vhost "trove$rel" >>"$LOGS/rabbitmqctl.log" 2>&1
    $ctl set_permissions -p "trove$rel" lab '.*' '.*' '.*' >>"$LOGS/rabbitmqctl.log" 2>&1
  done
) || exit 1

# --- Keystone: the stand-ins' services, endpoints and users -----------------------------
COMPUTE_BASE="http://127.0.0.1:$COMPUTE_PORT"
SWIFT_BASE="http://127.0.0.1:$SWIFT_PORT"
CAT_STAMP=$(printf '%s\n' "$COMPUTE_BASE" "$SWIFT_BASE" "$SWIFT_PW" "$NOVA_PW" "$LAB_GLANCE_URL" "$LAB_TROVE_BASE_URL" \
  | sha256sum | cut -c1-16)
if [[ "$(cat "$SI_STATE/catalog.stamp" 2>/dev/null)" != "$CAT_STAMP" ]]; then
  t0=$SECONDS
  # catalog.py with the whole catalog: lab/openstack's Glance and Trove, and ours
  endpoints=$("$PY" -c 'import json, sys; print(json.dumps([e.split("|") for e in sys.argv[1:]]))' \
    "image|glance|$LAB_GLANCE_URL" "database|trove|$LAB_TROVE_BASE_URL/v1.0/%(tenant_id)s" \
    "compute|nova|$COMPUTE_BASE/compute/v2.1" "volumev3|cinderv3|$COMPUTE_BASE/volume/v3/%(project_id)s" \
    "network|neutron|$COMPUTE_BASE/networking" "object-store|swift|$SWIFT_BASE/v1/AUTH_%(project_id)s")
  users=$("$PY" -c 'import json, sys; print(json.dumps({"nova": sys.argv[1], "swift": sys.argv[2]}))' "$NOVA_PW" "$SWIFT_PW")
  KEYSTONE_URL=$LAB_KEYSTONE_URL ADMIN_PASSWORD=$(cat "$LAB_ADMIN_PASSWORD_FILE") \
    DEMO_PASSWORD=$(cat "$LAB_DEMO_PASSWORD_FILE") GLANCE_PASSWORD=$(secret glance) TROVE_PASSWORD=$TROVE_PW \
    LAB_ENDPOINTS=$endpoints LAB_SERVICE_USERS=$users \
    "$PY" "$HERE/../openstack/catalog.py" >/dev/null 2>>"$LOGS/catalog.log" \
    || { tail -n 20 "$LOGS/catalog.log" >&2; die "keystone registration failed"; }
  echo "$CAT_STAMP" >"$SI_STATE/catalog.stamp"
  say "keystone: compute, volumev3, network, object-store endpoints and users nova, swift in $((SECONDS - t0)) s"
fi

# --- Swift ---------------------------------------------------------------------------
SWIFT_BIND=127.0.0.1 SWIFT_PORT=$SWIFT_PORT SWIFT_OBJECT_PORT=$SWIFT_OBJECT_PORT \
  SWIFT_CONTAINER_PORT=$SWIFT_CONTAINER_PORT SWIFT_ACCOUNT_PORT=$SWIFT_ACCOUNT_PORT \
  KEYSTONE_URL=$LAB_KEYSTONE_URL SWIFT_PASSWORD=$SWIFT_PW SWIFT_HASH="lab-slot$LAB_SLOT" \
  "$HERE/swift-config.sh" "$SWIFT_DIR"
for kind in object container account proxy; do
  pid_alive "swift-$kind" || start_bg "swift-$kind" "$LOGS/swift-$kind.log" \
    "/usr/bin/swift-$kind-server" "$SWIFT_DIR/$kind-server.conf" --verbose
done
wait_http swift-proxy "$SWIFT_BASE/healthcheck" "$OS_WAIT" "$LOGS/swift-proxy.log"

# --- the compute stand-in --------------------------------------------------------------
mkdir -p "$COMPUTE_DIR"
COMPUTE_PORT=$COMPUTE_PORT COMPUTE_PUBLIC_URL=$COMPUTE_BASE COMPUTE_STATE=$COMPUTE_DIR GUEST_LAUNCHER=process \
  NET_PREFIX=$ADDR_PREFIX KEYSTONE_URL=$LAB_KEYSTONE_URL NOVA_PASSWORD=$NOVA_PW HOST_NAME="lab-compute-slot$LAB_SLOT" \
  FLAVORS="$LAB_FLAVOR_ID:m1.rd-tiny:512 $LAB_FLAVOR_RESIZE_ID:m1.rd-smaller:768" \
  LOG_FILE="$LOGS/compute.log" GUEST_LOG_DIR="$LOGS/guests" "$HERE/compute-config.sh" "$COMPUTE_DIR/compute.conf"
"$HERE/compute.sh" start

# --- Trove's configuration ------------------------------------------------------------
PRIVATE_NET=$("$PY" -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/network/private"))')
PUBLIC_NET=$("$PY" -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "lab-standins/network/public"))')
# write_trove_conf REL PORT DB: trove.conf and the guests' trove-guestagent.conf of a release
write_trove_conf() {
local rel=$1 port=$2 db=$3 dir="$SI_STATE/trove$1"
local url="rabbit://lab:$RABBIT_PW@127.0.0.1:$RABBIT_PORT/trove$rel"
mkdir -p "$dir/locks" "$dir/cloudinit"
(umask 077
cat >"$dir/trove.conf" <<EOF
# written by lab/trove-standins/up.sh: Trove $rel's API, conductor and taskmanager (real),
# compute and guests are the stand-ins (found in Keystone's catalog).
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
trove_api_workers = 1
trove_conductor_workers = 1
api_paste_config = /etc/trove/api-paste.ini
use_stderr = false
debug = true
default_log_levels = amqp=WARN,amqplib=WARN,sqlalchemy=WARN,oslo.messaging=INFO,keystonemiddleware=INFO,urllib3=WARN,stevedore=WARN,oslo_policy=INFO,routes.middleware=WARN,keystoneauth=WARN,iso8601=WARN
transport_url = $url
control_exchange = trove
default_datastore = mysql
trove_volume_support = True
block_device_mapping = vdb
device_path = /dev/vdb
max_accepted_volume_size = 10
max_instances_per_tenant = 20
max_volumes_per_tenant = 40
max_backups_per_tenant = 50
volume_time_out = 30
usage_sleep_time = 2
usage_timeout = 300
restore_usage_timeout = 300
state_change_wait_time = 120
resize_time_out = 300
reboot_time_out = 120
server_delete_time_out = 60
agent_call_high_timeout = 300
# guests heartbeat every 10 s (report_interval below): three missed ones mean it is gone
agent_heartbeat_expiry = 45
trove_security_groups_support = True
guest_config = $dir/trove-guestagent.conf
cloudinit_location = $dir/cloudinit
http_get_rate = 10000
http_post_rate = 10000
http_put_rate = 10000
http_delete_rate = 10000
http_mgmt_post_rate = 10000
users_page_size = 1000
databases_page_size = 1000
instances_page_size = 1000
backups_page_size = 1000
configurations_page_size = 1000

[network]
public_network_id = $PUBLIC_NET

[database]
connection = ${TROVE_DB_URL/\/trove\?//$db?}
connection_recycle_time = 3600

[oslo_messaging_notifications]
driver = noop

[oslo_concurrency]
lock_path = $dir/locks

[service_credentials]
auth_url = $LAB_KEYSTONE_URL
username = trove
password = $TROVE_PW
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne

[keystone_authtoken]
www_authenticate_uri = $LAB_KEYSTONE_URL
auth_url = $LAB_KEYSTONE_URL
auth_type = password
username = trove
password = $TROVE_PW
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
service_token_roles_required = true

[mysql]
volume_support = True
device_path = /dev/vdb
EOF
# what Trove injects into every guest as /etc/trove/conf.d/trove-guestagent.conf
cat >"$dir/trove-guestagent.conf" <<EOF
[DEFAULT]
transport_url = $url
control_exchange = trove
report_interval = 10
debug = true
[service_credentials]
auth_url = $LAB_KEYSTONE_URL
region_name = RegionOne
[mysql]
docker_image = mariadb
backup_docker_image = openstacktrove/db-backup-mariadb:1.1.0
EOF
)
}

# --- Trove: one control plane per release ----------------------------------------------
for rel in $TROVE_RELEASES; do
  case $rel in
  18) port=$TROVE18_PORT db=trove18 ;;
  23) port=$TROVE23_PORT db=trove23
      [[ -x "$TRIXIE_ROOT/usr/bin/trove-api" ]] || "$HERE/../devstack/release-root.sh" "$TRIXIE_ROOT" ;;
  *) die "TROVE_RELEASES: 18 and/or 23, got $rel" ;;
  esac
  write_trove_conf "$rel" "$port" "$db"
done
# --- Trove's services ------------------------------------------------------------------
MYSQL_ROOT=(mariadb --defaults-file="$LAB_MYSQL_CNF" --protocol=socket -uroot)
# each release's database: a copy of lab/openstack's seeded trove (schema at 18's
# head, datastores and versions as rows), made once
copy_db() { # NAME
  "${MYSQL_ROOT[@]}" -e "CREATE DATABASE $1 CHARACTER SET utf8mb4; GRANT ALL PRIVILEGES ON $1.* TO 'trove'@'127.0.0.1'"
  mariadb-dump --defaults-file="$LAB_MYSQL_CNF" --protocol=socket -uroot --single-transaction trove \
    | "${MYSQL_ROOT[@]}" "$1"
}
for rel in $TROVE_RELEASES; do
  if [[ -z "$("${MYSQL_ROOT[@]}" -N -e "SHOW DATABASES LIKE 'trove$rel'")" ]]; then
    t0=$SECONDS
    copy_db "trove$rel"
    if [[ $rel == 23 ]]; then
      # a real release upgrade of the schema: Trove 23's own db_sync (alembic) on 18's
      "$HERE/trove.sh" db-sync 23 >>"$LOGS/trove-manage-23.log" 2>&1 \
        || { tail -n 30 "$LOGS/trove-manage-23.log" >&2; "${MYSQL_ROOT[@]}" -e "DROP DATABASE trove23"; die "Trove 23 db_sync failed"; }
    fi
    say "trove$rel: database made in $((SECONDS - t0)) s"
  fi
  "$HERE/trove.sh" start "$rel"
done

cat >"$SI_STATE/env" <<EOF
# written by lab/trove-standins/up.sh; source it (values have no spaces)
LAB_STANDINS_DIR=$SI_STATE
LAB_STANDINS_CODE=$HERE
LAB_STANDINS_RELEASES=${TROVE_RELEASES// /,}
LAB_STANDINS_TROVE18_URL=http://127.0.0.1:$TROVE18_PORT
LAB_STANDINS_TROVE18_CONF=$SI_STATE/trove18/trove.conf
LAB_STANDINS_TROVE18_GUEST_CONF=$SI_STATE/trove18/trove-guestagent.conf
LAB_STANDINS_TROVE23_URL=http://127.0.0.1:$TROVE23_PORT
LAB_STANDINS_TROVE23_CONF=$SI_STATE/trove23/trove.conf
LAB_STANDINS_TROVE23_GUEST_CONF=$SI_STATE/trove23/trove-guestagent.conf
LAB_STANDINS_COMPUTE_URL=$COMPUTE_BASE
LAB_STANDINS_COMPUTE_STATE=$COMPUTE_DIR
LAB_STANDINS_FAULTS_DIR=$COMPUTE_DIR/faults
LAB_STANDINS_SWIFT_URL=$SWIFT_BASE
LAB_STANDINS_RABBIT_PORT=$RABBIT_PORT
LAB_STANDINS_PRIVATE_NET=$PRIVATE_NET
LAB_STANDINS_PUBLIC_NET=$PUBLIC_NET
LAB_STANDINS_ADDR_PREFIX=$ADDR_PREFIX
LAB_STANDINS_TRIXIE_ROOT=$TRIXIE_ROOT
LAB_STANDINS_LOGS=$LOGS
EOF
say "all up in $((SECONDS - T_ALL)) s; env in $SI_STATE/env"
