#!/usr/bin/env bash
# Stop every lab part, each by the PIDs it recorded. Safe when nothing is up.
#   lab/down.sh [--purge] [PART...]   --purge: also delete the parts' state
#                                     (saved hosts, caches, databases)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/slot.sh
. "$here/slot.sh"
purge=()
parts=()
for a in "$@"; do
	case "$a" in
	--purge) purge=(--purge) ;;
	*) parts+=("$a") ;;
	esac
done
[ ${#parts[@]} -gt 0 ] || parts=(latency trove-standins containers devstack openstack mariadb systemd ssh)
rc=0
for p in "${parts[@]}"; do
	[ -x "$here/$p/down.sh" ] || continue
	echo "lab: stopping $p"
	case "$p" in
	devstack | openstack | mariadb | trove-standins) "$here/$p/down.sh" "${purge[@]}" || rc=1 ;;
	*) "$here/$p/down.sh" || rc=1 ;;
	esac
done
exit $rc
