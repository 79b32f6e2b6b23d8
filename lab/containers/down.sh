#!/usr/bin/env bash
# Stop and remove this slot's lab containers (lab/containers/up.sh). The
# image and storage stay under $LAB_DIR/containers for the next start.
set -uo pipefail
# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
STATE=$LAB_DIR/containers
[[ -x $STATE/podman ]] || exit 0
for n in "${LAB_NET_PREFIX}-ctr1" "${LAB_NET_PREFIX}-ctr-stopped"; do
	"$STATE/podman" rm -f -t 0 "$n" >/dev/null 2>&1 || true
done
rm -f "$STATE/env"
echo "containers: down"
