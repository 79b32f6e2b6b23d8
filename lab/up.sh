#!/usr/bin/env bash
# Start the whole lab of real parts the tests use: sshd hosts, systemd
# hosts, MariaDB, Keystone, Glance and Trove's API, Chromium for the
# report page test, and devstack1 (lab/devstack: Trove's control plane as
# DevStack runs it, with a second Trove release to upgrade to). Every part installs what
# it needs from Debian's packages on a fresh machine; trove-standins: real
# Trove 18 and 23 services with compute and guest stand-ins (dev mode, loopback). State: $RUNBOOK_LAB_DIR
# (default /tmp/runbook-lab). Parts can be picked: lab/up.sh ssh systemd.
# latency (not started by default) puts the hosts of the parts already up
# behind latency-adding proxies: lab/up.sh ssh latency.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/slot.sh
. "$here/slot.sh"
mkdir -p "$LAB_DIR"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(ssh systemd openstack browser containers devstack trove-standins)

# One apt-get update for all parts on a machine that never had one.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
	echo "lab: apt-get update"
	apt-get update -o DPkg::Lock::Timeout=900 -qq
fi

for p in "${parts[@]}"; do
	case "$p" in
	ssh | systemd | openstack | mariadb | browser | devstack | containers | latency | trove-standins) ;;
	*) echo "lab: unknown part '$p' (ssh, systemd, mariadb, openstack, browser, devstack, containers, latency, trove-standins)" >&2; exit 2 ;;
	esac
	start=$(date +%s)
	echo "lab: starting $p"
	"$here/$p/up.sh"
	echo "lab: $p up in $(($(date +%s) - start))s"
done
