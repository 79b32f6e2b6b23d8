#!/usr/bin/env bash
# ok() and bad() always succeed, so `A && ok || bad` is a plain if/else here.
# shellcheck disable=SC2015
# Smoke test of the lab OpenStack with curl, loopback only: Keystone token, Glance
# image list, Trove datastores, then a Trove instance's whole life (create, backup,
# restore, datastore-version upgrade, restart, resize, mgmt rebuild, delete) and
# error paths. Prints every request's status and timing, and a summary.
#   SMOKE_VERBOSE=1 also prints response bodies.  SMOKE_KEEP=1 keeps the instances.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/openstack/lib.sh
. "$HERE/lib.sh"
[[ -s "$OS_STATE/env" ]] || die "no $OS_STATE/env: run lab/openstack/up.sh first"
# shellcheck source=/dev/null
. "$OS_STATE/env"

W="$OS_STATE/smoke"; rm -rf "$W"; mkdir -p "$W"
T0=$SECONDS
FAILS=0
SUMMARY=()
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
jq_() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
ok() { SUMMARY+=("ok    $*"); say "ok: $*"; }
bad() { SUMMARY+=("FAIL  $*"); say "FAIL: $*"; FAILS=$((FAILS + 1)); }

# req NAME METHOD URL TOKEN [JSON]: response body in $W/NAME.json, status in $CODE
req() {
  local name=$1 method=$2 url=$3 tok=$4 body=${5:-} t
  local args=(-s -o "$W/$name.json" -w '%{http_code} %{time_total}' -X "$method" -H "X-Auth-Token: $tok" -H 'Accept: application/json')
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' -d "$body")
  read -r CODE t < <(curl "${args[@]}" "$url"; echo) || true
  printf '  %-6s %-90s -> %s (%.3f s)\n' "$method" "${url#http://127.0.0.1:}" "$CODE" "$t"
  [[ -n $body ]] && printf '         body: %s\n' "$body"
  if [[ -n ${SMOKE_VERBOSE:-} || ! $CODE =~ ^2 ]]; then printf '         resp: %s\n' "$(head -c 600 "$W/$name.json")"; fi
  return 0
}

ks_token() { # user password project -> token
  curl -s -D - -o /dev/null -X POST "$LAB_KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" \
    | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}

# wait_status NAME URL TOKEN TIMEOUT WANT... : poll a Trove resource until its status is one of WANT
wait_status() {
  local name=$1 url=$2 tok=$3 secs=$4; shift 4
  local t st last="" seen=()
  t=$(now)
  while :; do
    curl -s -o "$W/$name-poll.json" -H "X-Auth-Token: $tok" "$url" || true
    st=$("$PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); r=d.get("instance") or d.get("backup") or {}
print(r.get("status","?"))' "$W/$name-poll.json" 2>/dev/null || echo "?")
    [[ $st != "$last" ]] && { seen+=("$st"); last=$st; }
    for w in "$@"; do
      if [[ $st == "$w" ]]; then say "  $name: ${seen[*]} ($(since "$t") s)"; return 0; fi
    done
    if [[ $st == ERROR || $st == FAILED ]]; then say "  $name: ${seen[*]}"; return 1; fi
    if awk -v a="$(since "$t")" -v b="$secs" 'BEGIN{exit !(a>b)}'; then say "  $name: ${seen[*]} (timeout)"; return 1; fi
    sleep 1
  done
}

# wait_gone NAME URL TOKEN TIMEOUT: until GET is 404
wait_gone() {
  local t i code
  t=$(now)
  for ((i = 0; i < $4 * 2; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $3" "$2")
    if [[ $code == 404 ]]; then return 0; fi
    sleep 0.5
  done
  return 1
}

say "smoke: auth=$LAB_TROVE_AUTH trove=$LAB_TROVE_URL"
# --- 1. Keystone ------------------------------------------------------------
t=$(now)
if [[ $LAB_TROVE_AUTH == keystone ]]; then
  DEMO=$(ks_token demo "$(cat "$LAB_DEMO_PASSWORD_FILE")" demo)
  ADMIN=$(ks_token admin "$(cat "$LAB_ADMIN_PASSWORD_FILE")" admin)
  MGMT_URL="$LAB_TROVE_BASE_URL/v1.0/$LAB_ADMIN_PROJECT_ID/mgmt"
else
  DEMO=$LAB_TROVE_TENANT
  ADMIN='admin'
  MGMT_URL="$LAB_TROVE_BASE_URL/v1.0/admin/mgmt"
fi
IMG_TOKEN=${DEMO}
[[ $LAB_TROVE_AUTH == keystone ]] || IMG_TOKEN=$(ks_token demo "$(cat "$LAB_DEMO_PASSWORD_FILE")" demo)
[[ -n $DEMO && -n $ADMIN && -n $IMG_TOKEN ]] && ok "keystone tokens (demo, admin) in $(since "$t") s" || bad "keystone tokens"
TR=$LAB_TROVE_URL

# --- 2. Glance ----------------------------------------------------------------
req images GET "$LAB_GLANCE_URL/v2/images" "$IMG_TOKEN"
[[ $CODE == 200 ]] && grep -q "$LAB_IMAGE_ID" "$W/images.json" && ok "glance image list has $LAB_IMAGE_ID" || bad "glance image list"

# --- 3. Trove datastores ----------------------------------------------------
req datastores GET "$TR/datastores" "$DEMO"
[[ $CODE == 200 ]] && ok "trove datastores: $(jq_ "$W/datastores.json" '[(x["name"], [v["name"] for v in x["versions"]]) for x in d["datastores"]]')" || bad "trove datastores"
req versions GET "$TR/datastores/$LAB_DATASTORE/versions" "$DEMO"
[[ $CODE == 200 ]] && ok "trove datastore versions" || bad "trove datastore versions"
req flavors GET "$TR/flavors" "$DEMO"
[[ $CODE == 200 ]] && ok "trove flavors (fake Nova): $(jq_ "$W/flavors.json" 'len(d["flavors"])')" || bad "trove flavors"

# --- 4. error paths -----------------------------------------------------------
req err_flavor POST "$TR/instances" "$DEMO" \
  "{\"instance\":{\"name\":\"smoke-bad\",\"flavorRef\":\"99999\",\"volume\":{\"size\":1},\"datastore\":{\"type\":\"$LAB_DATASTORE\",\"version\":\"$LAB_DATASTORE_VERSION\"}}}"
[[ $CODE =~ ^4 ]] && ok "unknown flavor -> $CODE $(head -c 200 "$W/err_flavor.json")" || bad "unknown flavor gave $CODE"
req err_version POST "$TR/instances" "$DEMO" \
  "{\"instance\":{\"name\":\"smoke-bad\",\"flavorRef\":\"$LAB_FLAVOR_ID\",\"volume\":{\"size\":1},\"datastore\":{\"type\":\"$LAB_DATASTORE\",\"version\":\"9.9.9\"}}}"
[[ $CODE =~ ^4 ]] && ok "unknown version -> $CODE $(head -c 200 "$W/err_version.json")" || bad "unknown version gave $CODE"
req err_get GET "$TR/instances/00000000-0000-0000-0000-000000000000" "$DEMO"
[[ $CODE == 404 ]] && ok "unknown instance -> 404" || bad "unknown instance gave $CODE"

# --- 5. create ----------------------------------------------------------------
t=$(now)
req create POST "$TR/instances" "$DEMO" \
  "{\"instance\":{\"name\":\"smoke-db1\",\"flavorRef\":\"$LAB_FLAVOR_ID\",\"volume\":{\"size\":1},\"datastore\":{\"type\":\"$LAB_DATASTORE\",\"version\":\"$LAB_DATASTORE_VERSION\"},\"databases\":[{\"name\":\"app\"}],\"users\":[{\"name\":\"appuser\",\"password\":\"s3cret-pw\",\"databases\":[{\"name\":\"app\"}]}]}}"
ID=$(jq_ "$W/create.json" 'd["instance"]["id"]' 2>/dev/null || true)
if [[ $CODE == 200 && -n $ID ]] && wait_status create "$TR/instances/$ID" "$DEMO" 120 HEALTHY ACTIVE; then
  ok "create $ID -> $(jq_ "$W/create-poll.json" 'd["instance"]["status"]') in $(since "$t") s"
else bad "create (code $CODE)"; fi

# --- 6. backup ------------------------------------------------------------------
t=$(now)
req backup POST "$TR/backups" "$DEMO" "{\"backup\":{\"name\":\"smoke-backup\",\"instance\":\"$ID\",\"description\":\"lab smoke\"}}"
BID=$(jq_ "$W/backup.json" 'd["backup"]["id"]' 2>/dev/null || true)
if [[ $CODE == 202 && -n $BID ]] && wait_status backup "$TR/backups/$BID" "$DEMO" 120 COMPLETED; then
  ok "backup $BID -> COMPLETED in $(since "$t") s"
else bad "backup (code $CODE)"; fi
wait_status create "$TR/instances/$ID" "$DEMO" 60 HEALTHY ACTIVE >/dev/null || true

# --- 7. restore -----------------------------------------------------------------
t=$(now)
req restore POST "$TR/instances" "$DEMO" \
  "{\"instance\":{\"name\":\"smoke-db2\",\"flavorRef\":\"$LAB_FLAVOR_ID\",\"volume\":{\"size\":1},\"datastore\":{\"type\":\"$LAB_DATASTORE\",\"version\":\"$LAB_DATASTORE_VERSION\"},\"restorePoint\":{\"backupRef\":\"$BID\"}}}"
ID2=$(jq_ "$W/restore.json" 'd["instance"]["id"]' 2>/dev/null || true)
if [[ $CODE == 200 && -n $ID2 ]] && wait_status restore "$TR/instances/$ID2" "$DEMO" 120 HEALTHY ACTIVE; then
  ok "restore from backup -> $ID2 in $(since "$t") s"
else bad "restore (code $CODE)"; fi

# --- 8. datastore version upgrade ----------------------------------------------------
t=$(now)
req upgrade PATCH "$TR/instances/$ID" "$DEMO" "{\"instance\":{\"datastore_version\":\"$LAB_DATASTORE_UPGRADE_VERSION\"}}"
if [[ $CODE == 202 ]] && sleep 1 && wait_status upgrade "$TR/instances/$ID" "$DEMO" 180 HEALTHY ACTIVE; then
  v=$(jq_ "$W/upgrade-poll.json" 'd["instance"]["datastore"]["version"]')
  [[ $v == "$LAB_DATASTORE_UPGRADE_VERSION" ]] && ok "upgrade to $v in $(since "$t") s" || bad "upgrade: version is $v"
else bad "upgrade (code $CODE)"; fi

req upgrade_bad PATCH "$TR/instances/$ID" "$DEMO" '{"instance":{"datastore_version":"9.9.9"}}'
[[ $CODE =~ ^4 ]] && ok "upgrade to unknown version -> $CODE $(head -c 200 "$W/upgrade_bad.json")" || bad "upgrade to unknown version gave $CODE"
t=$(now)
req upgrade_put PUT "$TR/instances/$ID2" "$DEMO" "{\"instance\":{\"datastore_version\":\"$LAB_DATASTORE_UPGRADE_VERSION\"}}"
if [[ $CODE == 202 ]] && sleep 1 && wait_status upgrade_put "$TR/instances/$ID2" "$DEMO" 180 HEALTHY ACTIVE; then
  v=$(jq_ "$W/upgrade_put-poll.json" 'd["instance"]["datastore"]["version"]')
  [[ $v == "$LAB_DATASTORE_UPGRADE_VERSION" ]] && ok "upgrade (PUT) of the restored instance to $v in $(since "$t") s" || bad "upgrade (PUT): version is $v"
else bad "upgrade (PUT) (code $CODE)"; fi
req list GET "$TR/instances" "$DEMO"
[[ $CODE == 200 ]] && ok "instance list: $(jq_ "$W/list.json" '[(i["name"], i["status"], i["datastore"]["version"]) for i in d["instances"]]')" || bad "instance list"
req backups GET "$TR/backups?instance_id=$ID" "$DEMO"
[[ $CODE == 200 ]] && ok "backup list for the instance: $(jq_ "$W/backups.json" '[(b["name"], b["status"]) for b in d["backups"]]')" || bad "backup list"

# --- 9. restart -------------------------------------------------------------------
t=$(now)
req restart POST "$TR/instances/$ID/action" "$DEMO" '{"restart":{}}'
if [[ $CODE == 202 ]] && sleep 1 && wait_status restart "$TR/instances/$ID" "$DEMO" 120 HEALTHY ACTIVE; then
  ok "restart in $(since "$t") s"
else bad "restart (code $CODE)"; fi

# --- 10. resize volume and flavor --------------------------------------------------
t=$(now)
req resize_vol POST "$TR/instances/$ID/action" "$DEMO" '{"resize":{"volume":{"size":2}}}'
if [[ $CODE == 202 ]] && sleep 1 && wait_status resize_vol "$TR/instances/$ID" "$DEMO" 120 HEALTHY ACTIVE; then
  ok "resize volume -> $(jq_ "$W/resize_vol-poll.json" 'd["instance"]["volume"]["size"]') GB in $(since "$t") s"
else bad "resize volume (code $CODE)"; fi
t=$(now)
req resize_flavor POST "$TR/instances/$ID/action" "$DEMO" "{\"resize\":{\"flavorRef\":\"$LAB_FLAVOR_RESIZE_ID\"}}"
if [[ $CODE == 202 ]] && sleep 1 && wait_status resize_flavor "$TR/instances/$ID" "$DEMO" 180 HEALTHY ACTIVE; then
  ok "resize flavor -> $(jq_ "$W/resize_flavor-poll.json" 'd["instance"]["flavor"]["id"]') in $(since "$t") s"
else bad "resize flavor (code $CODE)"; fi

# --- 11. mgmt rebuild ----------------------------------------------------------------
t=$(now)
req rebuild POST "$MGMT_URL/instances/$ID/action" "$ADMIN" "{\"rebuild\":{\"image_id\":\"$LAB_IMAGE2_ID\"}}"
if [[ $CODE == 202 ]] && sleep 1 && wait_status rebuild "$TR/instances/$ID" "$DEMO" 180 HEALTHY ACTIVE; then
  req mgmt_show GET "$MGMT_URL/instances/$ID" "$ADMIN"
  ok "mgmt rebuild with image $LAB_IMAGE2_ID in $(since "$t") s (mgmt show: $CODE)"
else bad "mgmt rebuild (code $CODE)"; fi

# --- 12. delete ---------------------------------------------------------------------
if [[ -z ${SMOKE_KEEP:-} ]]; then
  for i in "$ID" "$ID2"; do
    [[ -n $i ]] || continue
    t=$(now)
    req delete DELETE "$TR/instances/$i" "$DEMO"
    if [[ $CODE == 202 ]] && wait_gone delete "$TR/instances/$i" "$DEMO" 120; then ok "delete $i in $(since "$t") s"
    else bad "delete $i (code $CODE)"; fi
  done
  if [[ -n ${BID:-} ]]; then
    req backup_delete DELETE "$TR/backups/$BID" "$DEMO"
    [[ $CODE == 202 ]] && wait_gone backup_delete "$TR/backups/$BID" "$DEMO" 60 && ok "backup delete" || bad "backup delete (code $CODE)"
  fi
fi

echo
say "summary ($((SECONDS - T0)) s):"
printf '  %s\n' "${SUMMARY[@]}"
((FAILS == 0)) || die "$FAILS check(s) failed"
say "all checks passed"
