#!/usr/bin/env bash
# Stop the lab's OpenStack services by their recorded PIDs (TERM, then KILL), then the
# lab MariaDB. State stays, so the next up is fast.
#   --purge         also delete $LAB_DIR/openstack and the lab MariaDB's state
#   --keep-mariadb  leave the lab MariaDB running
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/openstack/lib.sh
. "$HERE/lib.sh"

purge='' keep_db=''
for a in "$@"; do
  case $a in
    --purge) purge=1 ;;
    --keep-mariadb) keep_db=1 ;;
    *) die "unknown argument $a (use --purge, --keep-mariadb)" ;;
  esac
done

if [[ -d "$PIDS" ]]; then
  for name in trove glance keystone; do stop_pid "$name"; done
  for f in "$PIDS"/*.pid; do           # anything else recorded
    [[ -e "$f" ]] || continue
    stop_pid "$(basename "$f" .pid)"
  done
fi
if [[ -z $keep_db ]]; then
  if [[ -n $purge ]]; then LAB_DIR="$LAB_DIR" "$HERE/../mariadb/down.sh" --purge
  else LAB_DIR="$LAB_DIR" "$HERE/../mariadb/down.sh"; fi
fi
if [[ -n $purge ]]; then
  say "purging $OS_STATE"
  rm -rf "$OS_STATE"
  rm -f "$LAB_DIR/openstack-apt.log"
  rmdir "$LAB_DIR" 2>/dev/null || true   # only when nothing else lives there
fi
say "down"
