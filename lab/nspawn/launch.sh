#!/usr/bin/env bash
# Started as `setsid unshare --mount --propagation private launch.sh HOSTDIR NAME NETNS`
# by lab/systemd/up.sh (sdNN hosts) and lab/devstack/up.sh (devstack1).
# Builds the container's root inside this private mount namespace (so nothing
# is mounted in the machine's own namespace and everything vanishes with the
# container), then execs systemd-nspawn: the PID the caller recorded is nspawn's.
#   HOSTDIR/rw    tmpfs: upper + work of the overlay, and the unit folder
#   HOSTDIR/root  overlay: lower = this machine's /, upper = the tmpfs
#   HOSTDIR/seed  prepared by the caller: files copied into the upper layer
#                 (seed/upper) and the complete /etc/systemd/system of the
#                 container (seed/units)
# Knobs (environment):
#   NSPAWN_TMPFS_SIZE  size of the tmpfs (default 256m)
#   NSPAWN_UPPER_FROM  a saved upper layer (a folder) copied into the tmpfs
#                      before the seed: the host starts where it was saved
#                      (overlayfs refuses a lower layer that lies inside /)
#   NSPAWN_UPPER       a folder on disk to use as the upper layer instead of
#                      the tmpfs (its work dir is NSPAWN_UPPER.work): what the
#                      host writes outlives it (lab/devstack's first boot)
#   NSPAWN_BINDS       newline-separated "SRC:DEST" read-only bind mounts into
#                      the root (DEST is made if missing)
#   NSPAWN_TARGET      the unit the container boots (default runbook-lab.target)
set -euo pipefail
hostdir=$1 name=$2 netns=$3
# shellcheck source=lab/nspawn/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mount -t tmpfs -o "mode=0755,size=${NSPAWN_TMPFS_SIZE:-256m}" "${LAB_NET_PREFIX}lab-$name" "$hostdir/rw"
mkdir -p "$hostdir/rw/units"
if [[ -n ${NSPAWN_UPPER:-} ]]; then
  upper=$NSPAWN_UPPER work=$NSPAWN_UPPER.work
  mkdir -p "$upper" "$work"
else
  upper=$hostdir/rw/upper work=$hostdir/rw/work
  mkdir -p "$upper" "$work"
fi
if [[ -n ${NSPAWN_UPPER_FROM:-} ]]; then cp -a "$NSPAWN_UPPER_FROM/." "$upper/"; fi
cp -a "$hostdir/seed/upper/." "$upper/"
cp -a "$hostdir/seed/units/." "$hostdir/rw/units/"
mount -t overlay -o "lowerdir=/,upperdir=$upper,workdir=$work" "${LAB_NET_PREFIX}lab-$name" "$hostdir/root"
# The container's /etc/systemd/system holds only the lab's units: none of the
# enablement links of this machine (keystone, mariadb, timers, ...) are seen.
mount --bind "$hostdir/rw/units" "$hostdir/root/etc/systemd/system"
while IFS=: read -r src dst; do
  [[ -n $src ]] || continue
  mkdir -p "$hostdir/root$dst"
  mount --bind "$src" "$hostdir/root$dst"
  mount -o remount,bind,ro "$hostdir/root$dst"
done <<<"${NSPAWN_BINDS:-}"

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
  "systemd.unit=${NSPAWN_TARGET:-runbook-lab.target}"
