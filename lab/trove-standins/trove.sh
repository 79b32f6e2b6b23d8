#!/usr/bin/env bash
# trove.sh start|stop|restart|status|db-sync REL: the Trove control plane of release
# REL in the dev-mode lab: API, conductor and taskmanager as plain processes
# (trREL-api, trREL-cond, trREL-tmgr) from $LAB_DIR/standins/troveREL/trove.conf.
#   REL 18   this machine's Trove (Debian bookworm), database trove18, port TROVE18_PORT
#   REL 23   trixie's Trove 2025.1 from the trixie root (in-release.sh), database
#            trove23, port TROVE23_PORT
#   db-sync  bring the release's database to its schema (trove-manage db_sync)
#   status   which of the three run, and what the API answers
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/trove-standins/lib.sh
. "$HERE/lib.sh"
cmd=${1:-}
rel=${2:-}
[[ $rel == 18 || $rel == 23 ]] || die "usage: trove.sh start|stop|restart|status|db-sync 18|23"
DIR="$SI_STATE/trove$rel"
CONF="$DIR/trove.conf"
[[ -s $CONF ]] || die "no $CONF: run lab/trove-standins/up.sh (TROVE_RELEASES) first"
port=$TROVE18_PORT
[[ $rel == 23 ]] && port=$TROVE23_PORT
SERVICES=("tr$rel-api" "tr$rel-cond" "tr$rel-tmgr")
declare -A BIN=(["tr$rel-api"]=trove-api ["tr$rel-cond"]=trove-conductor ["tr$rel-tmgr"]=trove-taskmanager)

manage() {
  if [[ $rel == 18 ]]; then
    # Debian 12's /usr/bin/trove-manage crashes on Python 3.11: lab/openstack's wrapper
    "$HERE/../openstack/trove-manage" --config-file "$CONF" "$@"
  else
    "$HERE/in-release.sh" 23 /usr/bin/trove-manage --config-file "$CONF" "$@"
  fi
}

start() {
  local s t0=$SECONDS
  if ! pid_alive "tr$rel-api" && port_busy "$port"; then
    die "port $port for Trove $rel's API is busy (eventlet binds with SO_REUSEPORT: two APIs would share it)"
  fi
  for s in "${SERVICES[@]}"; do
    pid_alive "$s" && continue
    start_bg "$s" "$LOGS/$s.out" "$HERE/in-release.sh" "$rel" "/usr/bin/${BIN[$s]}" \
      --config-file "$CONF" --log-file "$LOGS/${BIN[$s]}-$rel.log"
  done
  wait_http "tr$rel-api" "http://127.0.0.1:$port/" "$OS_WAIT" "$LOGS/trove-api-$rel.log"
  for s in "tr$rel-cond" "tr$rel-tmgr"; do
    pid_alive "$s" || { tail -n 30 "$LOGS/${BIN[$s]}-$rel.log" >&2; die "$s died"; }
  done
  say "Trove $rel: API, conductor, taskmanager up in $((SECONDS - t0)) s"
}

stop() {
  local s
  for s in "${SERVICES[@]}"; do stop_pid "$s"; done
}

case $cmd in
start) start ;;
stop) stop ;;
restart) stop; start ;;
db-sync)
  if [[ $rel == 23 ]]; then
    # Trove 23.0.0 (Debian trixie) crashes handing a legacy database to alembic:
    # trove23-legacy-stamp.py does that step (see its header), then db_sync migrates
    # (the root sees only the lab folder: the script goes there)
    cp "$HERE/trove23-legacy-stamp.py" "$DIR/"
    "$HERE/in-release.sh" 23 /usr/bin/python3 "$DIR/trove23-legacy-stamp.py" "$CONF"
  fi
  manage db_sync ;;
status)
  for s in "${SERVICES[@]}"; do
    if pid_alive "$s"; then echo "$s running (pid $(cat "$PIDS/$s.pid"))"; else echo "$s stopped"; fi
  done
  curl -sf "http://127.0.0.1:$port/" || true; echo ;;
*) die "usage: trove.sh start|stop|restart|status|db-sync 18|23" ;;
esac
