#!/usr/bin/env bash
# Started by up.sh as `unshare --mount --propagation private launch.sh HOSTDIR NAME NETNS`.
# Builds the container's root inside this private mount namespace (so nothing is
# mounted in the machine's own namespace and everything vanishes with the
# container), then execs systemd-nspawn: the PID up.sh recorded is nspawn's.
#   HOSTDIR/rw    tmpfs: upper + work of the overlay, and the unit folder
#   HOSTDIR/root  overlay: lower = this machine's /, upper = tmpfs
#   HOSTDIR/seed  prepared by up.sh: files copied into the upper layer (seed/upper)
#                 and the complete /etc/systemd/system of the container (seed/units)
set -euo pipefail
hostdir=$1 name=$2 netns=$3
# shellcheck source=lab/systemd/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mount -t tmpfs -o "mode=0755,size=${SYSTEMD_TMPFS_SIZE:-256m}" "${LAB_NET_PREFIX}lab-$name" "$hostdir/rw"
mkdir -p "$hostdir/rw/upper" "$hostdir/rw/work" "$hostdir/rw/units"
cp -a "$hostdir/seed/upper/." "$hostdir/rw/upper/"
cp -a "$hostdir/seed/units/." "$hostdir/rw/units/"
mount -t overlay -o "lowerdir=/,upperdir=$hostdir/rw/upper,workdir=$hostdir/rw/work" "${LAB_NET_PREFIX}lab-$name" "$hostdir/root"
# The container's /etc/systemd/system holds only the lab's units: none of the
# enablement links of this machine (keystone, mariadb, timers, ...) are seen.
mount --bind "$hostdir/rw/units" "$hostdir/root/etc/systemd/system"

# Own cgroup per container: with --keep-unit nspawn puts its "supervisor" and
# "payload" cgroups next to its own cgroup; started from the root cgroup, all
# containers would share /payload and each container's systemd would manage
# (and kill) the others' services.
for cg in $(lab_cgroup_roots); do
  mkdir -p "$cg/$CG_PREFIX$name"
  echo $$ >"$cg/$CG_PREFIX$name/cgroup.procs"
done

exec systemd-nspawn -D "$hostdir/root" --machine="$name" --boot \
  --register=no --keep-unit --console=read-only \
  --network-namespace-path="/run/netns/$netns" \
  systemd.unit=runbook-lab.target
