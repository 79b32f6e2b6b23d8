#!/usr/bin/env bash
# shellcheck disable=SC2016 # dpkg-query formats and inner scripts are meant literally
# trixie-root.sh [DIR]: a Debian trixie root with Trove 2025.1 (Trove 23) from
# Debian's archive, as an operator gets the new release's code: debootstrap
# minbase, then python3-trove, trove-api, trove-conductor, trove-taskmanager
# (no recommends). Default DIR: $LAB_DIR/trixie/root. Idempotent; ~4-5 min and
# ~750 MB the first time (measured: debootstrap 100 s, packages 160 s).
# The services run from it through in-release.sh 23 (chroot, host network).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab/slot.sh
. "$here/../slot.sh"
root=${1:-${TRIXIE_ROOT:-$LAB_DIR/trixie/root}}
say() { printf 'trixie-root: %s\n' "$*"; }
if [[ -x "$root/usr/bin/trove-api" ]]; then
  say "$root has Trove $(chroot "$root" dpkg-query -W -f='${Version}' python3-trove)"
  exit 0
fi
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 debootstrap >/dev/null
mkdir -p "$(dirname "$root")"
log="$(dirname "$root")/trixie-root.log"
t0=$SECONDS
if [[ ! -x "$root/usr/bin/apt-get" ]]; then
  rm -rf "$root"
  say "debootstrap trixie (minbase) into $root"
  debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; exit 1; }
fi
say "installing Trove 23 into $root"
# no services start inside the root (no init there; policy-rc.d makes sure)
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
unshare --mount --propagation private /bin/sh -ec '
  mount -t proc proc "$1/proc"
  chroot "$1" apt-get update -q
  DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -y -q --no-install-recommends \
    python3-trove trove-api trove-conductor trove-taskmanager python3-pymysql' sh "$root" >>"$log" 2>&1 \
  || { tail -n 20 "$log" >&2; exit 1; }
say "Trove $(chroot "$root" dpkg-query -W -f='${Version}' python3-trove) in $root in $((SECONDS - t0)) s"
