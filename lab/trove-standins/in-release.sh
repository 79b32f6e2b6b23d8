#!/usr/bin/env bash
# in-release.sh REL CMD...: run CMD with the code of Trove release REL.
#   18  this machine's Trove (Debian bookworm's python3-trove)
#   23  Debian trixie's Trove 2025.1 in lab/devstack's release root (release-root.sh):
#       a private mount namespace binds the lab folder into the root and
#       chroots there; the root shares this machine's network, so the
#       services reach loopback as the 18 ones do.
# The command replaces this script (same PID), so a caller's recorded PID is
# the service's.
set -euo pipefail
rel=$1; shift
case $rel in
18) exec "$@" ;;
23)
  here=$(cd "$(dirname "$0")" && pwd)
  # shellcheck source=lab/slot.sh
  # shellcheck source=lab/trove-standins/lib.sh
  . "$here/lib.sh"
  root=$TRIXIE_ROOT
  [[ -x "$root/usr/bin/trove-api" ]] || { echo "in-release: no Trove 23 in $root (run lab/devstack/release-root.sh $root)" >&2; exit 1; }
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  # the lab folder at its own path inside the root (the configuration names it):
  # through /tmp when it lives there (nothing is written into the root), else
  # on a directory made for it
  exec unshare --mount --propagation private /bin/sh -ec '
    root=$1 lab=$2; shift 2
    case $lab in
    /tmp/*) mount --rbind /tmp "$root/tmp" ;;
    *) mkdir -p "$root$lab"; mount --bind "$lab" "$root$lab" ;;
    esac
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    exec chroot "$root" "$@"' sh "$root" "$LAB_DIR" "$@"
  ;;
*) echo "in-release: release must be 18 or 23, got $rel" >&2; exit 2 ;;
esac
