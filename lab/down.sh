#!/usr/bin/env bash
# Stop every lab part, each by the PIDs it recorded. Safe when nothing is up.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/slot.sh
. "$here/slot.sh"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(openstack mariadb systemd ssh)
rc=0
for p in "${parts[@]}"; do
	[ -x "$here/$p/down.sh" ] || continue
	echo "lab: stopping $p"
	"$here/$p/down.sh" || rc=1
done
exit $rc
