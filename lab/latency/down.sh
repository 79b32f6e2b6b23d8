#!/usr/bin/env bash
# Stop the latency part's toxiproxy, by its recorded PID. Safe when nothing is up.
set -uo pipefail
# shellcheck source=lab/latency/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pid=$(server_pid)
if [[ -n $pid ]]; then
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	log "stopped toxiproxy (pid $pid)"
fi
rm -f "$LAT/server.pid" "$LAT/hosts.json" "$LAT/known_hosts" "$LAT/env" "$LAT/latency.conf"
exit 0
