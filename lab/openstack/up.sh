#!/usr/bin/env bash
# Start the lab's OpenStack: Keystone (uwsgi), Glance (glance-api) and Trove's API in
# Trove's own fake mode (real API code, fake Nova/guest/Swift/Cinder behind it), on the
# lab MariaDB. Everything binds 127.0.0.1; state under $LAB_DIR/openstack.
# Knobs: LAB_DIR (/tmp/runbook-lab), KEYSTONE_PORT (25000), GLANCE_PORT (29292),
#        TROVE_PORT (28779), MARIADB_PORT (23306, passed to lab/mariadb/up.sh),
#        OS_WAIT (seconds to wait for each service, 90), TROVE_AUTH (keystone|fake),
#        LAB_FLAVOR_ID (10), TROVE_FAKEMODE (1; 0 = seed Trove's database but start no
#        Trove process: the real Trove services of lab/trove-standins take the port).
#        See lab/openstack/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/openstack/lib.sh
. "$HERE/lib.sh"

KEYSTONE_PORT=${KEYSTONE_PORT:-$(lab_port 25000)}
GLANCE_PORT=${GLANCE_PORT:-$(lab_port 29292)}
TROVE_PORT=${TROVE_PORT:-$(lab_port 28779)}
OS_WAIT=${OS_WAIT:-90}
KEYSTONE_URL="http://127.0.0.1:$KEYSTONE_PORT/v3"
GLANCE_URL="http://127.0.0.1:$GLANCE_PORT"
TROVE_BASE="http://127.0.0.1:$TROVE_PORT"
TROVE_URL="$TROVE_BASE/v1.0/%(tenant_id)s"
T_ALL=$SECONDS

[[ $EUID -eq 0 ]] || die "run as root"

# --- packages -------------------------------------------------------------------
PKGS=(curl iproute2 uwsgi uwsgi-plugin-python3 keystone glance-api trove-api python3-trove python3-proboscis
      python3-keystoneclient python3-keystonemiddleware python3-pymysql python3-yaml
      python3-openstackclient python3-troveclient)
need=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
mkdir -p "$LAB_DIR"
if ((${#need[@]})); then
  say "installing ${need[*]} (~90 s on a fresh machine)"
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
    apt-get update -q -o DPkg::Lock::Timeout=900 >/dev/null || die "apt-get update failed"
  fi
  t0=$SECONDS
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 "${need[@]}" \
    >"$LAB_DIR/openstack-apt.log" 2>&1 || { tail -n 20 "$LAB_DIR/openstack-apt.log" >&2; die "apt-get install failed"; }
  say "installed in $((SECONDS - t0)) s"
fi

mkdir -p "$OS_STATE" "$PIDS" "$SECRETS" "$LOGS"
chmod 0700 "$SECRETS"

# check_port NAME PORT: the port must be free unless our own NAME already serves it
check_port() {
  if pid_alive "$1"; then return 0; fi
  port_busy "$2" && die "port $2 for $1 is busy (something else listens there; set ${1^^}_PORT)"
  return 0
}
check_port keystone "$KEYSTONE_PORT"
check_port glance "$GLANCE_PORT"
TROVE_FAKEMODE=${TROVE_FAKEMODE:-1}
[[ $TROVE_FAKEMODE == 0 ]] || check_port trove "$TROVE_PORT"

# --- MariaDB ----------------------------------------------------------------------
LAB_DIR="$LAB_DIR" "$HERE/../mariadb/up.sh"
# shellcheck source=/dev/null
. "$LAB_DIR/mariadb/env"
MYSQL_ROOT=(mariadb --defaults-file="$LAB_MYSQL_CNF" --protocol=socket -uroot)

# db_user NAME: database NAME and user NAME@127.0.0.1 with a stored random password
db_user() {
  local pw; pw=$(secret "db-$1")
  "${MYSQL_ROOT[@]}" <<SQL
CREATE DATABASE IF NOT EXISTS \`$1\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$1'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER '$1'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`$1\`.* TO '$1'@'127.0.0.1';
SQL
}
db_url() { printf 'mysql+pymysql://%s:%s@127.0.0.1:%s/%s?charset=utf8mb4' "$1" "$(secret "db-$1")" "$LAB_MYSQL_PORT" "$1"; }

ADMIN_PW=$(secret admin)
DEMO_PW=$(secret demo)
GLANCE_PW=$(secret glance)
TROVE_PW=$(secret trove)


# ================================ Keystone config ==================================
KS_DIR="$OS_STATE/keystone"
KS_CONF="$KS_DIR/keystone.conf"
mkdir -p "$KS_DIR/fernet-keys" "$KS_DIR/credential-keys"
db_user keystone
cat >"$KS_CONF" <<CONF
# written by lab/openstack/up.sh
[DEFAULT]
log_file = $LOGS/keystone.log
use_stderr = false
[database]
connection = $(db_url keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $KS_DIR/fernet-keys
[fernet_receipts]
key_repository = $KS_DIR/fernet-keys
[credential]
key_repository = $KS_DIR/credential-keys
[cache]
enabled = true
backend = dogpile.cache.memory
[oslo_policy]
policy_dirs = $KS_DIR/policy.d
CONF
chmod 0600 "$KS_CONF"
mkdir -p "$KS_DIR/policy.d"
KSM=(keystone-manage --config-file "$KS_CONF")

# ================================ Glance config ====================================
GL_DIR="$OS_STATE/glance"
GL_CONF="$GL_DIR/glance-api.conf"
mkdir -p "$GL_DIR/images" "$GL_DIR/staging" "$GL_DIR/tasks" "$GL_DIR/image-cache" "$GL_DIR/locks"
db_user glance
cat >"$GL_CONF" <<CONF
# written by lab/openstack/up.sh
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
workers = 1
log_file = $LOGS/glance-api.log
use_stderr = false
enabled_backends = fs:file
image_cache_dir = $GL_DIR/image-cache
show_image_direct_url = false
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $GL_DIR/images
[os_glance_staging_store]
filesystem_store_datadir = $GL_DIR/staging
[os_glance_tasks_store]
filesystem_store_datadir = $GL_DIR/tasks
[database]
connection = $(db_url glance)
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $GLANCE_PW
region_name = RegionOne
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $GL_DIR/locks
[oslo_policy]
policy_dirs = $GL_DIR/policy.d
CONF
chmod 0600 "$GL_CONF"
mkdir -p "$GL_DIR/policy.d"

# ================================ Trove config =====================================
TROVE_AUTH=${TROVE_AUTH:-keystone}
TR_DIR="$OS_STATE/trove"
TR_CONF="$TR_DIR/trove.conf"
TROVE_MANAGE="$HERE/trove-manage"
mkdir -p "$TR_DIR/locks"
case $TROVE_AUTH in
  keystone) PASTE="$HERE/trove-api-paste.ini"; TROVE_TENANT='' ;;   # the demo project id, below
  fake) PASTE="$HERE/trove-api-paste-fakeauth.ini"; TROVE_TENANT=demo ;;
  *) die "TROVE_AUTH must be keystone or fake" ;;
esac
db_user trove
"$PY" - "$HERE/trove.conf.in" "$TR_CONF" <<PYEOF
import sys
s = open(sys.argv[1]).read()
for k, v in {"TROVE_PORT": "$TROVE_PORT", "PASTE": "$PASTE", "LOGS": "$LOGS", "DB_URL": "$(db_url trove)",
             "KEYSTONE_URL": "$KEYSTONE_URL", "TROVE_PW": "$TROVE_PW", "TR_DIR": "$TR_DIR"}.items():
    s = s.replace("@%s@" % k, v)
open(sys.argv[2], "w").write(s)
PYEOF
chmod 0600 "$TR_CONF"
TM=("$TROVE_MANAGE" --config-file "$TR_CONF")
DATASTORE=mysql
DS_VERSIONS=(5.7.29 5.7.30)
RULES=/usr/lib/python3/dist-packages/trove/templates/mysql/validation-rules.json
LAB_FLAVOR_ID=${LAB_FLAVOR_ID:-10}        # fake Nova's m1.rd-tiny: 512 MB RAM
LAB_FLAVOR_RESIZE_ID=8                    # fake Nova's m1.rd-smaller: 768 MB RAM

# ===================== schemas: the three db_syncs in parallel ======================
# (each mostly waits on MariaDB's DDL; a stamp per package version skips them next time)
ks_sync() {
  "${KSM[@]}" db_sync || return 1
  [[ -s "$KS_DIR/fernet-keys/0" ]] || "${KSM[@]}" fernet_setup --keystone-user root --keystone-group root || return 1
  [[ -s "$KS_DIR/credential-keys/0" ]] || "${KSM[@]}" credential_setup --keystone-user root --keystone-group root || return 1
  "${KSM[@]}" bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$KEYSTONE_URL" --bootstrap-internal-url "$KEYSTONE_URL" \
    --bootstrap-public-url "$KEYSTONE_URL" || return 1
  mark_synced keystone keystone
}
gl_sync() { glance-manage --config-file "$GL_CONF" db_sync && mark_synced glance glance-api; }
tr_sync() { "${TM[@]}" db_sync && mark_synced trove python3-trove; }
t0=$SECONDS
declare -A SYNC_PID=()
synced keystone keystone || { ks_sync >>"$LOGS/keystone-manage.log" 2>&1 & SYNC_PID[keystone]=$!; }
synced glance glance-api || { gl_sync >>"$LOGS/glance-manage.log" 2>&1 & SYNC_PID[glance]=$!; }
synced trove python3-trove || { tr_sync >>"$LOGS/trove-manage.log" 2>&1 & SYNC_PID[trove]=$!; }
if ((${#SYNC_PID[@]})); then
  failed=''
  for n in "${!SYNC_PID[@]}"; do
    wait "${SYNC_PID[$n]}" || { say "$n db_sync failed:"; tail -n 20 "$LOGS/$n-manage.log" >&2; failed+=" $n"; }
  done
  [[ -z $failed ]] || die "db_sync failed for:$failed"
  say "db_sync (${!SYNC_PID[*]}) in $((SECONDS - t0)) s"
fi


# ============ start the three services at once (each needs only its DB) =============
if pid_alive trove && [[ "$(cat "$TR_DIR/auth" 2>/dev/null)" != "$TROVE_AUTH" ]]; then
  say "trove runs with auth=$(cat "$TR_DIR/auth" 2>/dev/null), restarting it with auth=$TROVE_AUTH"
  stop_pid trove
fi
if pid_alive keystone; then
  say "keystone already running (pid $(cat "$PIDS/keystone.pid"))"
else
  start_bg keystone "$LOGS/keystone-uwsgi.log" \
    env OS_KEYSTONE_CONFIG_FILES="$KS_CONF" \
    uwsgi --plugin python3 --http11-socket "127.0.0.1:$KEYSTONE_PORT" \
      --wsgi-file /usr/bin/keystone-wsgi-public --master --die-on-term \
      --processes 1 --threads 8 --buffer-size 65535
fi
if pid_alive glance; then
  say "glance already running (pid $(cat "$PIDS/glance.pid"))"
else
  start_bg glance "$LOGS/glance-api.out" glance-api --config-file "$GL_CONF"
fi
if [[ $TROVE_FAKEMODE == 0 ]]; then
  pid_alive trove && { say "TROVE_FAKEMODE=0: stopping Trove's fake mode"; stop_pid trove; }
elif pid_alive trove; then
  say "trove already running (pid $(cat "$PIDS/trove.pid"))"
else
  echo "$TROVE_AUTH" >"$TR_DIR/auth"
  start_bg trove "$LOGS/trove-api.out" "$PY" "$HERE/trove_fakemode.py" --config-file "$TR_CONF"
fi

# ================================ Keystone =========================================
wait_http keystone "$KEYSTONE_URL" "$OS_WAIT" "$LOGS/keystone-uwsgi.log"

# --- catalog, projects, users ---------------------------------------------------
t0=$SECONDS
# skipped when the same inputs were registered before (ports, passwords, catalog.py)
CAT_STAMP=$(printf '%s\n' "$KEYSTONE_URL" "$GLANCE_URL" "$TROVE_URL" "$ADMIN_PW" "$DEMO_PW" "$GLANCE_PW" "$TROVE_PW" \
  | cat - "$HERE/catalog.py" | sha256sum | cut -c1-16)
if [[ -s "$OS_STATE/catalog.json" && "$(cat "$OS_STATE/catalog.stamp" 2>/dev/null)" == "$CAT_STAMP" ]]; then
  say "catalog already registered"
else
  CATALOG_JSON=$(KEYSTONE_URL="$KEYSTONE_URL" ADMIN_PASSWORD="$ADMIN_PW" DEMO_PASSWORD="$DEMO_PW" \
    GLANCE_PASSWORD="$GLANCE_PW" TROVE_PASSWORD="$TROVE_PW" GLANCE_URL="$GLANCE_URL" TROVE_URL="$TROVE_URL" \
    "$PY" "$HERE/catalog.py" 2>>"$LOGS/catalog.log") || { tail -n 20 "$LOGS/catalog.log"; die "catalog registration failed"; }
  echo "$CATALOG_JSON" >"$OS_STATE/catalog.json"
  echo "$CAT_STAMP" >"$OS_STATE/catalog.stamp"
  say "catalog: services/endpoints/projects/users registered in $((SECONDS - t0)) s"
fi
jget() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$OS_STATE/catalog.json" "$1"; }
DEMO_PROJECT_ID=$(jget demo_project_id)
ADMIN_PROJECT_ID=$(jget admin_project_id)

# --- clouds.yaml / secure.yaml --------------------------------------------------
cat >"$OS_STATE/clouds.yaml" <<YAML
# written by lab/openstack/up.sh; passwords are in secure.yaml (0600) next to this file
clouds:
  lab-admin:
    auth:
      auth_url: $KEYSTONE_URL
      username: admin
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  lab-demo:
    auth:
      auth_url: $KEYSTONE_URL
      username: demo
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
YAML
(umask 077; cat >"$OS_STATE/secure.yaml" <<YAML
clouds:
  lab-admin:
    auth:
      password: $ADMIN_PW
  lab-demo:
    auth:
      password: $DEMO_PW
YAML
)
chmod 0600 "$OS_STATE/secure.yaml"

# ================================ Glance ===========================================
wait_http glance "$GLANCE_URL/versions" "$OS_WAIT" "$LOGS/glance-api.log"

# token NAME PASSWORD PROJECT: print a project-scoped token
token() {
  curl -sf -D - -o /dev/null -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" \
    | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}
ADMIN_TOKEN=$(token admin "$ADMIN_PW" admin)
[[ -n $ADMIN_TOKEN ]] || die "no admin token from keystone"

# image NAME FILE: id of a public image NAME, created and uploaded if missing
image() {
  local name=$1 file=$2 id
  id=$(curl -sf -H "X-Auth-Token: $ADMIN_TOKEN" "$GLANCE_URL/v2/images?name=$name&status=active" \
    | "$PY" -c 'import json,sys; i=json.load(sys.stdin)["images"]; print(i[0]["id"] if i else "")')
  if [[ -z $id ]]; then
    id=$(curl -sf -X POST -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' "$GLANCE_URL/v2/images" \
      -d "{\"name\":\"$name\",\"disk_format\":\"raw\",\"container_format\":\"bare\",\"visibility\":\"public\",\"tags\":[\"trove\",\"lab\"]}" \
      | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])') || die "image create $name failed"
    curl -sf -X PUT -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/octet-stream' \
      --data-binary "@$file" "$GLANCE_URL/v2/images/$id/file" || die "image upload $name failed"
  fi
  echo "$id"
}
IMG_FILE="$GL_DIR/fake-guest.img"
[[ -s $IMG_FILE ]] || head -c 1048576 /dev/zero >"$IMG_FILE"
IMAGE_ID=$(image trove-guest-mysql-5.7-lab "$IMG_FILE")
IMAGE2_ID=$(image trove-guest-mysql-5.7-lab-v2 "$IMG_FILE")
say "glance images: $IMAGE_ID (5.7.29), $IMAGE2_ID (5.7.30 / rebuild)"
# ================================ Trove (fake mode) ================================
# seed (idempotent; trove-manage prints errors and exits 0, so check the DB
# before and after, and the API below)
seeded() {
  [[ "$("${MYSQL_ROOT[@]}" -N trove -e "
    SELECT (SELECT COUNT(*) FROM datastore_versions v JOIN datastores d ON v.datastore_id = d.id
             WHERE d.name = '$DATASTORE' AND v.active = 1 AND v.manager = 'mysql'
               AND ((v.name = '5.7.29' AND v.image_id = '$IMAGE_ID') OR (v.name = '5.7.30' AND v.image_id = '$IMAGE2_ID')))
         + (SELECT COUNT(*) FROM datastores d JOIN datastore_versions v ON d.default_version_id = v.id
             WHERE d.name = '$DATASTORE' AND v.name = '5.7.29')
         + (SELECT COUNT(DISTINCT p.datastore_version_id) FROM datastore_configuration_parameters p
             JOIN datastore_versions v ON p.datastore_version_id = v.id WHERE v.name IN ('5.7.29', '5.7.30'))" 2>/dev/null)" == 5 ]]
}
if seeded; then
  say "trove already seeded (datastore $DATASTORE, versions ${DS_VERSIONS[*]})"
else
  t0=$SECONDS
  # trove-manage's own commands, run in one process by trove_seed.py (each
  # trove-manage start costs ~3.5 s); the same lines work one by one with
  # "$TROVE_MANAGE --config-file $TR_CONF <line>".
  "$PY" "$HERE/trove_seed.py" --config-file "$TR_CONF" >>"$LOGS/trove-manage.log" 2>&1 <<SEED
datastore_update $DATASTORE ''
datastore_version_update $DATASTORE 5.7.29 mysql $IMAGE_ID '' 1
datastore_version_update $DATASTORE 5.7.30 mysql $IMAGE2_ID '' 1
datastore_update $DATASTORE 5.7.29
db_load_datastore_config_parameters $DATASTORE 5.7.29 $RULES
db_load_datastore_config_parameters $DATASTORE 5.7.30 $RULES
SEED
  seeded || { tail -n 20 "$LOGS/trove-manage.log"; die "trove seed not in the database after trove-manage"; }
  say "trove seeded with trove-manage commands (datastore $DATASTORE, versions ${DS_VERSIONS[*]}) in $((SECONDS - t0)) s"
fi

if [[ $TROVE_AUTH == keystone ]]; then TROVE_TENANT=$DEMO_PROJECT_ID; fi
if [[ $TROVE_FAKEMODE == 0 ]]; then
  DS_ID=$("${MYSQL_ROOT[@]}" -N trove -e "SELECT id FROM datastores WHERE name = '$DATASTORE'")
  [[ -n $DS_ID ]] || die "datastore $DATASTORE not in Trove's database"
  say "TROVE_FAKEMODE=0: Trove's database seeded, no Trove process started"
else
t0=$SECONDS
wait_http trove "$TROVE_BASE/" "$OS_WAIT" "$LOGS/trove-api.log"

# --- verify the seed through the API ---------------------------------------------
if [[ $TROVE_AUTH == keystone ]]; then
  DEMO_TOKEN=$(token demo "$DEMO_PW" demo)
else
  DEMO_TOKEN=demo
fi
curl -sf -H "X-Auth-Token: $DEMO_TOKEN" "$TROVE_BASE/v1.0/$TROVE_TENANT/datastores" >"$TR_DIR/datastores.json" \
  || die "trove datastores list failed (see $LOGS/trove-api.log)"
"$PY" - "$TR_DIR/datastores.json" "$DATASTORE" "${DS_VERSIONS[@]}" <<'PYEOF' || die "trove seed check failed: $(cat "$TR_DIR/datastores.json")"
import json, sys
ds = {d["name"]: d for d in json.load(open(sys.argv[1]))["datastores"]}
d = ds[sys.argv[2]]
have = {v["name"] for v in d["versions"]}
missing = [v for v in sys.argv[3:] if v not in have]
assert not missing, "missing versions %s" % missing
PYEOF
DS_ID=$("$PY" -c 'import json,sys; print([d["id"] for d in json.load(open(sys.argv[1]))["datastores"] if d["name"]==sys.argv[2]][0])' "$TR_DIR/datastores.json" "$DATASTORE")
say "trove serves datastore $DATASTORE ($DS_ID) with versions ${DS_VERSIONS[*]}"

fi

# --- env ------------------------------------------------------------------------
cat >"$OS_STATE/env" <<ENV
# written by lab/openstack/up.sh; source it (values have no spaces)
LAB_OS_CLOUDS_YAML=$OS_STATE/clouds.yaml
LAB_OS_SECURE_YAML=$OS_STATE/secure.yaml
LAB_OS_CLOUD_ADMIN=lab-admin
LAB_OS_CLOUD_DEMO=lab-demo
LAB_OS_REGION=RegionOne
LAB_KEYSTONE_URL=$KEYSTONE_URL
LAB_GLANCE_URL=$GLANCE_URL
LAB_TROVE_URL=$TROVE_BASE/v1.0/$TROVE_TENANT
LAB_TROVE_BASE_URL=$TROVE_BASE
LAB_TROVE_AUTH=$TROVE_AUTH
LAB_TROVE_TENANT=$TROVE_TENANT
LAB_DEMO_PROJECT_ID=$DEMO_PROJECT_ID
LAB_ADMIN_PROJECT_ID=$ADMIN_PROJECT_ID
LAB_ADMIN_PASSWORD_FILE=$SECRETS/admin
LAB_DEMO_PASSWORD_FILE=$SECRETS/demo
LAB_IMAGE_ID=$IMAGE_ID
LAB_IMAGE2_ID=$IMAGE2_ID
LAB_DATASTORE=$DATASTORE
LAB_DATASTORE_ID=$DS_ID
LAB_DATASTORE_VERSION=${DS_VERSIONS[0]}
LAB_DATASTORE_VERSIONS=$(IFS=,; echo "${DS_VERSIONS[*]}")
LAB_DATASTORE_UPGRADE_VERSION=${DS_VERSIONS[1]}
LAB_FLAVOR_ID=$LAB_FLAVOR_ID
LAB_FLAVOR_RESIZE_ID=$LAB_FLAVOR_RESIZE_ID
LAB_TROVE_MANAGE=$TROVE_MANAGE
LAB_TROVE_CONF=$TR_CONF
LAB_TROVE_DB=trove
LAB_TROVE_DB_USER=trove
LAB_TROVE_DB_PASSWORD_FILE=$SECRETS/db-trove
LAB_KEYSTONE_CONF=$KS_CONF
LAB_GLANCE_CONF=$GL_CONF
LAB_OS_PIDS=$PIDS
LAB_OS_LOGS=$LOGS
ENV
# the MariaDB facts too, so one file is enough
grep '^LAB_MYSQL_' "$LAB_DIR/mariadb/env" >>"$OS_STATE/env"
say "env written to $OS_STATE/env; all up in $((SECONDS - T_ALL)) s"
