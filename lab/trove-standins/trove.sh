#!/usr/bin/env bash
# trove.sh start|stop|restart|status [RELEASE]: Trove's API, conductor and
# taskmanager of the dev-mode lab, as plain processes (tr-api, tr-cond, tr-tmgr)
# from the configuration up.sh wrote. RELEASE is 18 (this machine's Trove) or 23
# (trixie's, from the root of trixie-root.sh); default: the one running, else 18.
#   start     start what is not running (a running release other than RELEASE
#             is an error: restart to switch)
#   restart   stop all three, then start them (RELEASE's code)
#   db-sync   bring Trove's database to RELEASE's schema (trove-manage db_sync)
#   status    which run, which release, what the API reports
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/trove-standins/lib.sh
. "$HERE/lib.sh"
cmd=${1:-status}
running_rel=$(cat "$TROVE_DIR/release" 2>/dev/null || true)
rel=${2:-${running_rel:-18}}
[[ $rel == 18 || $rel == 23 ]] || die "release must be 18 or 23"
CONF="$TROVE_DIR/trove.conf"
[[ -s $CONF ]] || die "no $CONF: run lab/trove-standins/up.sh first"
SERVICES=(tr-api tr-cond tr-tmgr)
declare -A BIN=([tr-api]=trove-api [tr-cond]=trove-conductor [tr-tmgr]=trove-taskmanager)

any_alive() { local s; for s in "${SERVICES[@]}"; do pid_alive "$s" && return 0; done; return 1; }

manage() { # trove-manage of release $rel
  if [[ $rel == 18 ]]; then
    "$HERE/../openstack/trove-manage" --config-file "$CONF" "$@"
  else
    "$HERE/in-release.sh" 23 /usr/bin/trove-manage --config-file "$CONF" "$@"
  fi
}

start() {
  if any_alive && [[ -n $running_rel && $running_rel != "$rel" ]]; then
    die "Trove $running_rel is running; use 'trove.sh restart $rel' to switch"
  fi
  local s t0=$SECONDS
  if ! pid_alive tr-api && port_busy "$TROVE_PORT"; then
    die "port $TROVE_PORT for trove-api is busy (eventlet binds with SO_REUSEPORT: two APIs would share it)"
  fi
  for s in "${SERVICES[@]}"; do
    pid_alive "$s" && continue
    start_bg "$s" "$LOGS/$s.out" "$HERE/in-release.sh" "$rel" "/usr/bin/${BIN[$s]}" \
      --config-file "$CONF" --log-file "$LOGS/${BIN[$s]}.log"
  done
  echo "$rel" >"$TROVE_DIR/release"
  wait_http tr-api "http://127.0.0.1:$TROVE_PORT/" "${OS_WAIT:-90}" "$LOGS/trove-api.log"
  for s in tr-cond tr-tmgr; do
    pid_alive "$s" || { tail -n 30 "$LOGS/${BIN[$s]}.log" >&2; die "$s died"; }
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
db-sync) manage db_sync ;;
status)
  for s in "${SERVICES[@]}"; do
    if pid_alive "$s"; then echo "$s running (pid $(cat "$PIDS/$s.pid"), release $running_rel)"; else echo "$s stopped"; fi
  done
  curl -sf "http://127.0.0.1:$TROVE_PORT/" || true; echo ;;
*) die "usage: trove.sh start|stop|restart|db-sync|status [18|23]" ;;
esac
