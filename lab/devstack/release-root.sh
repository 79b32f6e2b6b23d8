#!/usr/bin/env bash
# Build (once) the root of a newer Trove release the way an operator gets
# it: Debian's packages of that release, here trixie's Trove 23 (2025.1),
# installed with apt into a debootstrap root. devstack1 runs its Trove
# units from a release root chosen by a symlink (see lab/devstack/README.md).
#
#   lab/devstack/release-root.sh DIR     # builds DIR unless DIR/.complete exists
#
# Knobs: DEVSTACK_NEW_SUITE (trixie), DEBIAN_MIRROR (the mirror of this
# machine's sources, else deb.debian.org). The root is cached under the lab
# folder; down.sh --purge deletes it.
set -euo pipefail
umask 022
dir=${1:?usage: release-root.sh DIR}
suite=${DEVSTACK_NEW_SUITE:-trixie}
say() { printf '[devstack-lab] %s\n' "$*"; }
die() { printf '[devstack-lab] ERROR: %s\n' "$*" >&2; exit 1; }

# Mount points of what devstack1's enter-root binds into the root (the root
# is bound read-only into devstack1, so they must exist beforehand).
mount_points() {
  mkdir -p "$1/etc/devstack" "$1/etc/trove" "$1/var/log/trove" "$1/var/lib/trove" "$1/var/cache/trove" \
    "$1/var/log/apache2" "$1/usr/local/lib/devstack-lab" "$1/opt/stack"
  touch "$1/etc/hosts" "$1/etc/resolv.conf" "$1/etc/hostname"
}
if [[ -e $dir/.complete ]]; then
  mount_points "$dir"
  say "release root $dir already built ($(cat "$dir/.complete"))"
  exit 0
fi
mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ && $2 ~ /debian$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 debootstrap >/dev/null
# debootstrap needs the suite's archive key: bookworm's debian-archive-keyring has trixie's.
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
t0=$SECONDS
say "debootstrap --variant=minbase $suite ($mirror) into $dir"
debootstrap --variant=minbase "$suite" "$dir.tmp" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
  { tail -n 30 "$dir.debootstrap.log" >&2; die "debootstrap $suite failed (log $dir.debootstrap.log)"; }
say "debootstrap done in $((SECONDS - t0)) s"
# No service may start inside the root while packages install (it shares
# this machine's network): policy-rc.d says no to every invoke-rc.d.
printf '#!/bin/sh\nexit 101\n' >"$dir.tmp/usr/sbin/policy-rc.d"
chmod 755 "$dir.tmp/usr/sbin/policy-rc.d"
pkgs=(python3-trove trove-api trove-conductor trove-taskmanager trove-common
  apache2 libapache2-mod-wsgi-py3 python3-pymysql)
t1=$SECONDS
# /proc, /dev and /sys for the maintainer scripts, in a private mount
# namespace so that nothing stays mounted.
unshare --mount --propagation private bash -c '
  set -e
  r=$1; shift
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount --rbind /sys "$r/sys"
  cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
  chroot "$r" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin apt-get update -qq
  chroot "$r" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    apt-get install -y -qq --no-install-recommends "$@"
  chroot "$r" apt-get clean
' _ "$dir.tmp" "${pkgs[@]}" >"$dir.apt.log" 2>&1 ||
  { tail -n 30 "$dir.apt.log" >&2; die "apt-get install in the $suite root failed (log $dir.apt.log)"; }
say "apt-get install ${pkgs[*]} done in $((SECONDS - t1)) s"
mount_points "$dir.tmp"
ver=$(chroot "$dir.tmp" dpkg-query -W -f='${Version}' python3-trove)
mv "$dir.tmp" "$dir"
echo "$suite python3-trove $ver" >"$dir/.complete"
say "release root $dir: $suite, python3-trove $ver, $(du -sh "$dir" | cut -f1), $((SECONDS - t0)) s"
