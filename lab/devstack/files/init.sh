#!/bin/bash
# "stack.sh" of devstack1: runs INSIDE the host on its first boot (target
# devstack-build.target), called by lab/devstack/up.sh over SSH. Makes the
# databases, the RabbitMQ user, Keystone (bootstrap + catalog), Glance (two
# guest images), Trove 18's schema and datastore rows, then starts every
# unit of devstack-lab.target once to prove they run. up.sh then powers the
# host off and keeps what it wrote as the saved state every later boot
# starts from. Inputs: /etc/devstack/lab.env (0600).
set -euo pipefail
. /etc/devstack/lab.env
lib=/usr/local/lib/devstack-lab
say() { printf '[devstack1] %s\n' "$*"; }
t0=$SECONDS
step() { say "$* ($((SECONDS - t0)) s)"; }

wait_http() { # URL SECONDS
  local i code
  for ((i = 0; i < $2 * 5; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true)
    [[ $code =~ ^[1-4][0-9][0-9]$ ]] && return 0
    sleep 0.2
  done
  say "no answer from $1 within $2 s"
  return 1
}

step "stack user and folders"
id stack >/dev/null 2>&1 || useradd --system --home-dir /opt/stack --create-home --shell /bin/bash --user-group stack
usermod -p '*' stack # no password, not locked: sshd (UsePAM no) refuses locked accounts
install -d -o stack -g stack /opt/stack /var/log/trove /var/lib/trove /var/cache/trove /var/lib/glance /var/lib/glance/images \
  /etc/keystone/fernet-keys /etc/keystone/credential-keys
chown -R stack:stack /etc/trove /etc/glance /etc/keystone
ln -sfn / /opt/trove/releases/zed
# $LAB_DIR/devstack/releases, bound read-only at /opt/trove/releases.d
ln -sfn ../releases.d/2025.1 /opt/trove/releases/2025.1
ln -sfn releases/zed /opt/trove/current
# DevStack's layout where runbooks look: the source tree of the installed
# release (/opt/stack/trove/trove), a folder for guest images, sudo for stack
install -d -o stack -g stack /opt/stack/trove /opt/stack/images
ln -sfn /opt/trove/current/usr/lib/python3/dist-packages/trove /opt/stack/trove/trove
echo 'stack ALL=(root) NOPASSWD:ALL' >/etc/sudoers.d/50_stack_sh
chmod 440 /etc/sudoers.d/50_stack_sh

step "MariaDB: datadir, databases, users"
mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=socket >/var/log/devstack-mariadb-install.log 2>&1
systemctl start mariadb
for db in keystone glance trove; do
  pw_var="DB_PW_${db^^}"
  mariadb -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$db'@'%' IDENTIFIED BY '${!pw_var}';
CREATE USER IF NOT EXISTS '$db'@'localhost' IDENTIFIED BY '${!pw_var}';
GRANT ALL PRIVILEGES ON \`$db\`.* TO '$db'@'%';
GRANT ALL PRIVILEGES ON \`$db\`.* TO '$db'@'localhost';
SQL
done

step "RabbitMQ: user $RABBIT_USER"
systemctl start rabbitmq-server
rabbitmqctl -q add_user "$RABBIT_USER" "$RABBIT_PW" >/dev/null 2>&1 || rabbitmqctl -q change_password "$RABBIT_USER" "$RABBIT_PW"
rabbitmqctl -q set_permissions -p / "$RABBIT_USER" '.*' '.*' '.*'
rabbitmqctl -q delete_user guest >/dev/null 2>&1 || true

step "Keystone: db_sync, fernet, bootstrap"
ksm() { setpriv --reuid=stack --regid=stack --init-groups keystone-manage "$@" >>/var/log/devstack-keystone-manage.log 2>&1; }
ksm db_sync
ksm fernet_setup --keystone-user stack --keystone-group stack
ksm credential_setup --keystone-user stack --keystone-group stack
ksm bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-username admin \
  --bootstrap-project-name admin --bootstrap-role-name admin \
  --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
  --bootstrap-admin-url "$KEYSTONE_URL" --bootstrap-internal-url "$KEYSTONE_URL" \
  --bootstrap-public-url "$KEYSTONE_URL"
systemctl start devstack@keystone
wait_http "$KEYSTONE_URL" 90

step "Keystone: projects, users, catalog"
LAB_ENDPOINTS=$LAB_ENDPOINTS KEYSTONE_URL=$KEYSTONE_URL ADMIN_PASSWORD=$ADMIN_PW DEMO_PASSWORD=$DEMO_PW \
  GLANCE_PASSWORD=$GLANCE_PW TROVE_PASSWORD=$TROVE_PW \
  LAB_SERVICE_USERS="{\"nova\": \"$NOVA_PW\", \"swift\": \"$SWIFT_PW\"}" \
  timeout 600 /usr/bin/python3 $lib/catalog.py >/etc/devstack/catalog.json

step "Glance: db_sync, start, images"
setpriv --reuid=stack --regid=stack --init-groups glance-manage --config-file /etc/glance/glance-api.conf db_sync >/dev/null 2>&1
systemctl start devstack@g-api
wait_http "$GLANCE_URL/versions" 90
token() { # USER PASSWORD PROJECT
  curl -sf --max-time 120 -D - -o /dev/null -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" |
    tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}
tok=$(token admin "$ADMIN_PW" admin)
head -c 1048576 /dev/zero >/var/tmp/lab-guest.img
image() { # NAME: id of a new public image NAME
  local id
  id=$(curl -sf --max-time 120 -X POST -H "X-Auth-Token: $tok" -H 'Content-Type: application/json' "$GLANCE_URL/v2/images" \
    -d "{\"name\":\"$1\",\"disk_format\":\"raw\",\"container_format\":\"bare\",\"visibility\":\"public\",\"tags\":[\"trove\",\"lab\"]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf --max-time 120 -X PUT -H "X-Auth-Token: $tok" -H 'Content-Type: application/octet-stream' \
    --data-binary @/var/tmp/lab-guest.img "$GLANCE_URL/v2/images/$id/file"
  echo "$id"
}
IMAGE_ID=$(image trove-guest-mysql-5.7-lab)
IMAGE2_ID=$(image trove-guest-mysql-5.7-lab-v2)
rm -f /var/tmp/lab-guest.img

step "Swift (lab-swift@proxy|account|container|object), the compute stand-in (lab-compute)"
# Swift's config, rings and device (node/sdb1) in /etc/lab-swift; the
# servers run as root
SWIFT_BIND=$HOST_IP SWIFT_PORT=${SWIFT_URL##*:} SWIFT_OBJECT_PORT=6200 SWIFT_CONTAINER_PORT=6201 SWIFT_ACCOUNT_PORT=6202 \
  KEYSTONE_URL=$KEYSTONE_URL SWIFT_PASSWORD=$SWIFT_PW SWIFT_HASH=$SWIFT_HASH $lib/swift-config.sh /etc/lab-swift
systemctl start lab-swift@object lab-swift@container lab-swift@account lab-swift@proxy lab-compute
wait_http "$SWIFT_URL/healthcheck" 90
wait_http "$COMPUTE_URL/compute" 90

step "Trove 18: db_sync, datastore rows (trove-manage)"
trove-manage --config-file /etc/trove/trove.conf db_sync >/var/log/trove/trove-manage.log 2>&1
rules=/usr/lib/python3/dist-packages/trove/templates/mysql/validation-rules.json
/usr/local/sbin/trove-release-exec --user stack /usr/bin/python3 $lib/trove_seed.py --config-file /etc/trove/trove.conf \
  >>/var/log/trove/trove-manage.log 2>&1 <<SEED
datastore_update mysql ''
datastore_version_update mysql 5.7.29 mysql $IMAGE_ID '' 1
datastore_version_update mysql 5.7.30 mysql $IMAGE2_ID '' 1
datastore_update mysql 5.7.29
db_load_datastore_config_parameters mysql 5.7.29 $rules
db_load_datastore_config_parameters mysql 5.7.30 $rules
SEED
n=$(mariadb -uroot -N trove -e "SELECT COUNT(*) FROM datastore_versions v JOIN datastores d ON v.datastore_id = d.id
  WHERE d.name = 'mysql' AND v.active = 1 AND ((v.name = '5.7.29' AND v.image_id = '$IMAGE_ID') OR (v.name = '5.7.30' AND v.image_id = '$IMAGE2_ID'))")
[[ $n == 2 ]] || { tail -n 30 /var/log/trove/trove-manage.log; say "datastore versions not in the trove database"; exit 1; }
printf 'IMAGE_ID=%s\nIMAGE2_ID=%s\n' "$IMAGE_ID" "$IMAGE2_ID" >/etc/devstack/images.env

step "Trove: apache2 (API), devstack@tr-cond, devstack@tr-tmgr"
systemctl start apache2 devstack@tr-cond devstack@tr-tmgr
wait_http "$TROVE_URL/" 120
step "stacked"
