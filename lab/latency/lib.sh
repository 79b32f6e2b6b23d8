# shellcheck shell=bash disable=SC2034
# Shared settings of lab/latency/{up,down,ctl}.sh (sourced, not run).
#
# The latency part puts Shopify's toxiproxy (built from the version pinned in
# go.mod, run as its own server) in front of lab hosts: one proxy per host on
# a loopback port of this slot, each with a "latency" toxic on both
# directions, so a client connecting to the proxy sees the chosen round trip.

# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
LATENCY_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAT=$LAB_DIR/latency
# The API on a port of the slot (8474 is toxiproxy's own default);
# proxies on up to 80 ports after the slot's loopback sshd hosts (which use
# the first 20 of its range; the bench's hosts start 100 after it).
LATENCY_API_PORT=${LATENCY_API_PORT:-$(lab_port 28474)}
LATENCY_BASE_PORT=${LATENCY_BASE_PORT:-$(($(lab_ssh_base_port) + 20))}
LATENCY_MAX_PROXIES=${LATENCY_MAX_PROXIES:-80}
API=http://127.0.0.1:$LATENCY_API_PORT
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

log() { printf 'latency-lab: %s\n' "$*"; }
die() {
	printf 'latency-lab: ERROR: %s\n' "$*" >&2
	exit 1
}

# server_pid prints the recorded toxiproxy PID if it is still that server.
server_pid() {
	local pid
	pid=$(cat "$LAT/server.pid" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$LAT/bin/toxiproxy-server" ]] || return 0
	printf '%s\n' "$pid"
}

# api METHOD PATH [JSON]: one call to the toxiproxy API; fails on HTTP >= 400.
api() {
	local method=$1 path=$2 body=${3:-}
	if [[ -n $body ]]; then
		curl -fsS -X "$method" -H 'Content-Type: application/json' --data "$body" "$API$path"
	else
		curl -fsS -X "$method" "$API$path"
	fi
}

# set_latency RTT_MS JITTER_MS: every proxy gets half the round trip (and
# half the jitter) on each direction, so a request and its answer together
# take RTT_MS more.
set_latency() {
	local rtt=$1 jitter=$2 name half=$(($1 / 2)) halfj=$(($2 / 2)) stream body
	[[ $rtt =~ ^[0-9]+$ && $jitter =~ ^[0-9]+$ ]] || die "round trip and jitter must be whole milliseconds, got '$rtt' '$jitter'"
	((jitter <= rtt)) || die "jitter ($jitter ms) must not exceed the round trip ($rtt ms)"
	while read -r name; do
		for stream in upstream downstream; do
			body=$(printf '{"name":"latency_%s","type":"latency","stream":"%s","toxicity":1,"attributes":{"latency":%d,"jitter":%d}}' \
				"$stream" "$stream" "$half" "$halfj")
			if api GET "/proxies/$name/toxics/latency_$stream" >/dev/null 2>&1; then
				api POST "/proxies/$name/toxics/latency_$stream" "$body" >/dev/null || die "updating the toxic of $name"
			else
				api POST "/proxies/$name/toxics" "$body" >/dev/null || die "adding a toxic to $name"
			fi
		done
	done < <(jq -r '.[].proxy' "$LAT/hosts.json")
	printf 'LATENCY_RTT_MS=%s LATENCY_JITTER_MS=%s\n' "$rtt" "$jitter" >"$LAT/latency.conf"
	log "round trip +$rtt ms (jitter +-$jitter ms) on $(jq length "$LAT/hosts.json") proxies"
}
