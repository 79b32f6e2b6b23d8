#!/usr/bin/env bash
# Put every host of the lab parts that are up (ssh, systemd, devstack)
# behind a latency-adding TCP proxy: Shopify's toxiproxy, built from the
# version pinned in lab/latency/go.mod and run by this script (its PID is
# recorded; down.sh stops it). See README.md.
#
# Knobs: LATENCY_RTT_MS (0), LATENCY_JITTER_MS (0), LATENCY_PARTS (the parts
# whose hosts.json exist: ssh systemd devstack), LATENCY_API_PORT,
# LATENCY_BASE_PORT (see lib.sh).
set -euo pipefail
# shellcheck source=lab/latency/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RTT=${LATENCY_RTT_MS:-0}
JITTER=${LATENCY_JITTER_MS:-0}
[[ $(id -u) -eq 0 ]] || die "must run as root (like the lab parts it fronts)"
for t in curl jq; do
	command -v "$t" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 "$t" >/dev/null ||
		die "cannot install $t"
done
mkdir -p "$LAT/bin"
exec 9>"$LAT/.lock"
flock -w 300 9 || die "timed out waiting for $LAT/.lock"

# --- toxiproxy, built once per pinned version --------------------------------
want=$(sha256sum "$LATENCY_SCRIPT_DIR/go.sum" | cut -c1-16)
if [[ ! -x $LAT/bin/toxiproxy-server || $(cat "$LAT/bin/version" 2>/dev/null) != "$want" ]]; then
	log "building toxiproxy (lab/latency/go.mod)"
	(cd "$LATENCY_SCRIPT_DIR" && GOFLAGS=-mod=mod "$GO" build -o "$LAT/bin/toxiproxy-server" github.com/Shopify/toxiproxy/v2/cmd/server &&
		GOFLAGS=-mod=mod "$GO" build -o "$LAT/bin/toxiproxy-cli" github.com/Shopify/toxiproxy/v2/cmd/cli) >&2 ||
		die "building toxiproxy failed"
	printf '%s\n' "$want" >"$LAT/bin/version"
fi

# --- the hosts to front ---------------------------------------------------------
parts=()
if [[ -n ${LATENCY_PARTS:-} ]]; then
	read -r -a parts <<<"$LATENCY_PARTS"
else
	for p in ssh systemd devstack; do [[ -r $LAB_DIR/$p/hosts.json ]] && parts+=("$p"); done
fi
((${#parts[@]})) || die "no lab part is up (no hosts.json under $LAB_DIR/{ssh,systemd,devstack}); start one first"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
i=0
: >"$LAT/known_hosts.new"
for p in "${parts[@]}"; do
	hj=$LAB_DIR/$p/hosts.json
	kh=$LAB_DIR/$p/known_hosts
	[[ -r $hj && -r $kh ]] || die "part $p has no hosts.json or known_hosts under $LAB_DIR/$p"
	# Hosts behind a jump host cannot be reached directly: not fronted.
	while IFS=$'\t' read -r name addr port user; do
		((i < LATENCY_MAX_PROXIES)) || die "more than $LATENCY_MAX_PROXIES hosts; raise LATENCY_MAX_PROXIES (ports from $LATENCY_BASE_PORT)"
		lport=$((LATENCY_BASE_PORT + i))
		i=$((i + 1))
		up="$addr:$port"
		pattern=$addr
		[[ $port == 22 ]] || pattern="[$addr]:$port"
		key=$(ssh-keygen -F "$pattern" -f "$kh" 2>/dev/null | awk '!/^#/ {print $2, $3; exit}')
		[[ -n $key ]] || die "no host key of $name ($pattern) in $kh"
		printf '[127.0.0.1]:%d %s\n' "$lport" "$key" >>"$LAT/known_hosts.new"
		jq -n --arg name "$name" --arg part "$p" --arg proxy "$p-$name" --argjson port "$lport" \
			--arg upstream "$up" --arg user "$user" \
			'{name: $name, part: $part, proxy: $proxy, address: "127.0.0.1", port: $port, upstream: $upstream, user: $user}'
	done < <(jq -r '.[] | select((.jump // "") == "") | [.name, .address, (.port|tostring), (.user // "root")] | @tsv' "$hj")
done | jq -s . >"$tmp"

# Free ports: a busy one is refused, naming who holds it (our own server's
# proxies are fine: they are replaced below).
pid=$(server_pid)
while read -r port; do
	holder=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -1)
	[[ -z $holder || ( -n $pid && $holder == *"pid=$pid,"* ) ]] || die "port $port is busy: $holder"
done < <(jq -r '.[].port' "$tmp")

# --- the server -----------------------------------------------------------------
if [[ -z $pid ]]; then
	holder=$(ss -Hltnp "sport = :$LATENCY_API_PORT" 2>/dev/null | head -1)
	[[ -z $holder ]] || die "API port $LATENCY_API_PORT is busy: $holder"
	setsid "$LAT/bin/toxiproxy-server" -host 127.0.0.1 -port "$LATENCY_API_PORT" </dev/null >"$LAT/server.log" 2>&1 9>&- &
	pid=$!
	printf '%s\n' "$pid" >"$LAT/server.pid"
	for _ in $(seq 100); do
		api GET /version >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || die "toxiproxy exited; see $LAT/server.log"
		sleep 0.05
	done
	api GET /version >/dev/null || die "toxiproxy does not answer on $API; see $LAT/server.log"
	log "toxiproxy $(api GET /version) on $API (pid $pid)"
else
	# Replace what the running server fronts: delete its proxies first.
	while read -r name; do api DELETE "/proxies/$name" >/dev/null || true; done < <(api GET /proxies | jq -r 'keys[]')
fi
api POST /populate "$(jq '[.[] | {name: .proxy, listen: "\(.address):\(.port)", upstream: .upstream, enabled: true}]' "$tmp")" >/dev/null ||
	die "creating the proxies failed; see $LAT/server.log"
mv "$tmp" "$LAT/hosts.json"
chmod 0644 "$LAT/hosts.json"
mv "$LAT/known_hosts.new" "$LAT/known_hosts"
set_latency "$RTT" "$JITTER"

{
	printf 'LAB_LATENCY_DIR=%s\n' "$LAT"
	printf 'LAB_LATENCY_API=%s\n' "$API"
	printf 'LAB_LATENCY_HOSTS_JSON=%s\n' "$LAT/hosts.json"
	printf 'LAB_LATENCY_KNOWN_HOSTS=%s\n' "$LAT/known_hosts"
	printf 'LAB_LATENCY_CTL=%s\n' "$LATENCY_SCRIPT_DIR/ctl.sh"
} >"$LAT/env"
log "$(jq length "$LAT/hosts.json") hosts of ${parts[*]} behind proxies on 127.0.0.1:$LATENCY_BASE_PORT..; hosts: $LAT/hosts.json, known_hosts: $LAT/known_hosts"
