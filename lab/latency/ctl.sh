#!/usr/bin/env bash
# Change the latency of the running latency part, or show it.
#   lab/latency/ctl.sh set RTT_MS [JITTER_MS]   every proxy: +RTT_MS round trip
#   lab/latency/ctl.sh status                   proxies, upstreams and toxics
set -euo pipefail
# shellcheck source=lab/latency/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -n $(server_pid) && -r $LAT/hosts.json ]] || die "the latency part is not up (lab/latency/up.sh)"
case "${1:-}" in
set)
	[[ $# -ge 2 ]] || die "usage: ctl.sh set RTT_MS [JITTER_MS]"
	set_latency "$2" "${3:-0}"
	;;
status)
	cat "$LAT/latency.conf"
	api GET /proxies | jq -r 'to_entries[] | .value | "\(.name) \(.listen) -> \(.upstream) \([.toxics[] | "\(.stream):\(.attributes.latency)+-\(.attributes.jitter)ms"] | join(" "))"'
	;;
*) die "usage: ctl.sh set RTT_MS [JITTER_MS] | status" ;;
esac
