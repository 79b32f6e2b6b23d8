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

# PIDs still alive for host NAME: "nspawn" and/or "init"
alive() { # NAME
  local name=$1 pid init start
  pid=$(cat "$STATE/pids/$name.pid" 2>/dev/null || true)
  lab_pid_alive "$pid" "$name" && echo "nspawn:$pid"
  if read -r init start 2>/dev/null <"$STATE/pids/$name.init"; then
    init_alive "$init" "$start" && echo "init:$init"
  fi
  return 0
}

# 1. orderly power-off
for name in "${names[@]}"; do
  left=$(alive "$name")
  [[ -n $left ]] || continue
  say "powering off $name"
  for x in $left; do
    case $x in
      nspawn:*) kill -TERM "${x#nspawn:}" 2>/dev/null || true ;;   # nspawn forwards it as SIGRTMIN+3
      init:*) kill -s RTMIN+4 "${x#init:}" 2>/dev/null || true ;;  # systemd: poweroff
    esac
  done
done

# 2. wait, then kill by recorded PID
deadline=$((SECONDS + stop_timeout))
for name in "${names[@]}"; do
  while [[ -n $(alive "$name") ]] && ((SECONDS < deadline)); do sleep 0.2; done
  left=$(alive "$name")
  [[ -n $left ]] || continue
  say "$name did not power off within ${stop_timeout}s; killing (${left//$'\n'/ })"
  # killing a PID namespace's init kills every process in it
  for x in $left; do
    if [[ $x == init:* ]]; then kill -KILL "${x#init:}" 2>/dev/null || true; fi
  done
  end=$((SECONDS + 5))
  while [[ -n $(alive "$name") ]] && ((SECONDS < end)); do sleep 0.2; done
  for x in $(alive "$name"); do kill -KILL "${x#*:}" 2>/dev/null || true; done
  end=$((SECONDS + 5))
  while [[ -n $(alive "$name") ]] && ((SECONDS < end)); do sleep 0.2; done
  [[ -z $(alive "$name") ]] || die "$name: processes still alive after SIGKILL: $(alive "$name")"
done
for name in "${names[@]}"; do
  # nspawn was re-parented to PID 1 when up.sh exited: give PID 1 a moment to
  # reap it, so no <defunct> entry is left in ps
  pid=$(cat "$STATE/pids/$name.pid" 2>/dev/null || true)
  end=$((SECONDS + 5))
  while [[ $pid =~ ^[0-9]+$ && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && ((SECONDS < end)); do
    sleep 0.2
  done
  rm -f "$STATE/pids/$name.pid" "$STATE/pids/$name.init"
done

# cgroups made by launch.sh (runbook-lab-sdNN), empty once the containers are gone
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
if ip link show "$BRIDGE" >/dev/null 2>&1; then
  say "removing bridge $BRIDGE"
  ip link del "$BRIDGE"
fi

# 5. files that describe running hosts (keys are kept)
rm -f "$STATE/hosts.json" "$STATE/env" "$STATE/inventory.hcl" "$STATE/known_hosts"
say "down"
