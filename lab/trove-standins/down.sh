#!/usr/bin/env bash
# Stop the dev-mode stand-ins lab by recorded PIDs: Trove's services, the guests
# (each guest's process group: the agent and its mariadbd), the compute stand-in,
# Swift, RabbitMQ and its epmd. lab/openstack stays up (lab/down.sh stops it).
#   --purge   also delete $LAB_DIR/standins (servers, volumes, Swift objects, queues)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/trove-standins/lib.sh
. "$HERE/lib.sh"
purge=''
for a in "$@"; do
  case $a in
  --purge) purge=1 ;;
  *) die "unknown argument $a (use --purge)" ;;
  esac
done
[[ -d $SI_STATE ]] || { say "nothing to stop"; exit 0; }

for s in tr18-api tr18-cond tr18-tmgr tr23-api tr23-cond tr23-tmgr; do stop_pid "$s"; done

# guests: TERM each guest's group (its mariadbd shuts down cleanly), then KILL what is left
stop_guests() {
  local f pid start pids=() i
  for f in "$COMPUTE_DIR"/servers/*/guest.pid; do
    [[ -s $f ]] || continue
    read -r pid start <"$f"
    [[ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" == "$start" ]] || continue
    kill -TERM -- "-$pid" 2>/dev/null && pids+=("$pid")
  done
  ((${#pids[@]})) || return 0
  say "stopping ${#pids[@]} guest(s)"
  for ((i = 0; i < 150; i++)); do
    local alive=0 p
    for p in "${pids[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
}
stop_pid compute
stop_guests
for s in swift-proxy swift-object swift-container swift-account; do stop_pid "$s"; done
if pid_alive rabbitmq; then
  (rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl stop >/dev/null 2>&1) || true
fi
stop_pid rabbitmq
stop_pid epmd
if [[ -n $purge ]]; then
  say "purging $SI_STATE"
  rm -rf "$SI_STATE"
fi
say "down"
