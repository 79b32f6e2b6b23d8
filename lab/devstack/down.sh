#!/usr/bin/env bash
# Stop devstack1 by its recorded PIDs (orderly power-off, then SIGKILL after
# DEVSTACK_STOP_TIMEOUT s, default 30), remove its network namespace and, if
# nothing else uses it, the bridge. Safe when nothing is up. Keeps the keys,
# the saved first-boot state and the release root (the next up is fast);
# --purge deletes all of $LAB_DIR/devstack.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/devstack/common.sh
. "$here/common.sh"
[[ $(id -u) -eq 0 ]] || die "must run as root"
purge=0
case "${1:-}" in
  --purge) purge=1 ;;
  "") ;;
  *) die "unknown argument $1 (--purge)" ;;
esac

if [[ -e $DS_PIDF || -e $DS_INITF ]]; then
  nspawn_stop "$DS_NAME" "$DS_HOSTDIR" "$DS_PIDF" "$DS_INITF" "${DEVSTACK_STOP_TIMEOUT:-30}" ||
    die "$DS_NAME: processes still alive after SIGKILL"
fi
remove_host_cgroups "$DS_NAME"
rmdir "/run/systemd/nspawn/propagate/$DS_NAME" 2>/dev/null || true
# mounts live in the container's private mount namespace; anything leaked is removed
for m in $(findmnt -rn -o TARGET | grep -F "$DS/" | sort -r || true); do
  say "unmounting leftover $m"
  umount -l "$m" || true
done
if ip netns list 2>/dev/null | grep -qE "^$DS_NETNS( |\$)"; then
  say "removing netns $DS_NETNS"
  ip netns del "$DS_NETNS"
fi
ip link del "$DS_VETH" 2>/dev/null || true
bridge_down_if_unused
rm -f "$DS/env" "$DS/known_hosts"
if ((purge)); then
  say "purging $DS"
  rm -rf "$DS"
fi
say "down"
