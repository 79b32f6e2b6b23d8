#!/usr/bin/env bash
# compute.sh start|stop|restart: the dev-mode compute stand-in, a plain process
# from $LAB_DIR/trove-standins/compute/compute.conf (up.sh writes it). Its guests
# are processes of their own: stopping the stand-in leaves them running (as
# stopping nova-api leaves VMs running); starting it resumes its servers (and
# starts the guest of an ACTIVE server that is not running).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/trove-standins/lib.sh
. "$HERE/lib.sh"
CONF="$COMPUTE_DIR/compute.conf"
[[ -s $CONF ]] || die "no $CONF: run lab/trove-standins/up.sh first"
start() {
  if ! pid_alive compute; then
    port_busy "$COMPUTE_PORT" && die "port $COMPUTE_PORT for the compute stand-in is busy (set COMPUTE_PORT)"
    start_bg compute "$LOGS/compute.out" env PYTHONPATH="$HERE" "$PY" -m standins.compute --config-file "$CONF"
  fi
  wait_http compute "http://127.0.0.1:$COMPUTE_PORT/compute" "$OS_WAIT" "$LOGS/compute.out"
}
case ${1:-} in
start) start ;;
stop) stop_pid compute ;;
restart) stop_pid compute; start ;;
*) die "usage: compute.sh start|stop|restart" ;;
esac
