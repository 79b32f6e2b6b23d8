#!/usr/bin/env bash
# Stop the systemd lab: power off every container (SIGTERM to nspawn, which asks
# the container's systemd to shut down), wait up to SYSTEMD_STOP_TIMEOUT (10 s),
# then kill what is left by recorded PID; remove netns, veths and the bridge.
# Succeeds when nothing is up. Keeps the lab key and the host keys.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/systemd/common.sh
. "$here/common.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root"
stop_timeout=${SYSTEMD_STOP_TIMEOUT:-10}

names=()
if [[ -d $STATE/pids ]]; then
  for f in "$STATE"/pids/*.pid; do
    [[ -e $f ]] || continue
    names+=("$(basename "$f" .pid)")
  done
fi

# 1.-2. orderly power-off, then kill by recorded PID (lab/nspawn/lib.sh)
for name in "${names[@]}"; do
  nspawn_stop "$name" "$STATE/hosts/$name" "$STATE/pids/$name.pid" "$STATE/pids/$name.init" "$stop_timeout" ||
    die "$name: processes still alive after SIGKILL"
done
# cgroups made by launch.sh (runbook-lab-sdNN) that no recorded host names
for cg in $(lab_cgroup_roots); do
  for d in "$cg"/"$CG_PREFIX"sd[0-9][0-9]; do
    [[ -d $d ]] && remove_host_cgroups "${d##*/"$CG_PREFIX"}"
  done
done
# nspawn's bookkeeping folders in /run, if empty (rmdir leaves others' in place)
rmdir /run/systemd/nspawn/propagate/sd[0-9][0-9] 2>/dev/null || true
rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/locks /run/systemd/nspawn 2>/dev/null || true

# 3. mounts: they live in the containers' private mount namespaces and vanish with
#    them; anything that leaked into this namespace is removed here.
if [[ -d $STATE/hosts ]]; then
  leftovers=$(findmnt -rn -o TARGET | grep -F "$STATE/hosts/" | sort -r || true)
  for m in $leftovers; do
    say "unmounting leftover $m"
    umount -l "$m" || true
  done
fi

# 4. network: the lab's namespaces (${LAB_NET_PREFIX}sdNN), their veths (...h), the bridge
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${LAB_NET_PREFIX}sd[0-9]{2}\$" || true); do
  say "removing netns $ns"
  ip netns del "$ns"
done
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${LAB_NET_PREFIX}sd[0-9]{2}h\$" || true); do
  ip link del "$l" 2>/dev/null || true
done
# the bridge, unless lab/devstack's host is still on it
bridge_down_if_unused

# 5. files that describe running hosts (keys are kept)
rm -f "$STATE/hosts.json" "$STATE/env" "$STATE/inventory.hcl" "$STATE/known_hosts"
say "down"
