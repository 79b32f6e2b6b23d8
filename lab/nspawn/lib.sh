# shellcheck shell=bash
# Helpers of the lab's systemd-nspawn hosts (lab/systemd's sdNN hosts and
# lab/devstack's devstack1), sourced, not run: process identity by PID and
# start time, the container's PID 1, cgroups, the shared bridge, and the
# orderly-then-forced stop. The launcher is lab/nspawn/launch.sh.

# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
# cgroups of the lab's containers: ${CG_PREFIX}NAME
CG_PREFIX=runbook-lab${LAB_SLOT#0}-
# The systemd/devstack network of this slot: bridge, its address, the /24.
# shellcheck disable=SC2034 # used by the scripts that source this file
BRIDGE=${LAB_NET_PREFIX}lab2 BRIDGE_ADDR=10.233.$LAB_NET_OCTET.1 NET=10.233.$LAB_NET_OCTET

# Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat).
proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # after "pid (comm) " the fields start at 3; starttime is field 22
  awk '{print $20}' <<<"$stat"
}

# True if PID is still a lab launcher/nspawn process of host folder HOSTDIR
# (guards against a recycled PID: its command line names the folder).
nspawn_pid_alive() { # PID HOSTDIR
  local pid=$1 hd=$2
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$hd"
}

# PID (in this namespace) of the container's PID 1: a child of nspawn whose
# innermost PID is 1.
container_init_pid() { # NSPAWN_PID
  local p ppid nspid
  for p in /proc/[0-9]*; do
    ppid=$(awk '/^PPid:/{print $2}' "$p/status" 2>/dev/null) || continue
    [[ $ppid == "$1" ]] || continue
    nspid=$(awk '/^NSpid:/{print $NF" "NF}' "$p/status" 2>/dev/null) || continue
    if [[ $nspid == "1 "* && ${nspid#1 } -ge 3 ]]; then
      echo "${p#/proc/}"
      return 0
    fi
  done
  return 1
}

# True if INIT_PID is still the container init recorded with start time START.
init_alive() { # INIT_PID START
  [[ $1 =~ ^[0-9]+$ ]] && [[ $(proc_starttime "$1" 2>/dev/null) == "$2" ]]
}

# All PIDs in the PID namespace of INIT_PID (for memory figures).
container_pids() { # INIT_PID
  local ns p
  ns=$(readlink "/proc/$1/ns/pid") || return 0
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] && echo "${p#/proc/}"
  done
  return 0
}

# PSS in KiB of every process in the container of INIT_PID.
container_pss_kib() { # INIT_PID
  local p sum=0 v
  for p in $(container_pids "$1"); do
    v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# Mount points of the cgroup hierarchies systemd uses: the cgroup2 one (pure v2
# or the "unified" one of a hybrid layout) and a v1 name=systemd one if present.
lab_cgroup_roots() {
  findmnt -rn -t cgroup2 -o TARGET | head -n 1
  findmnt -rn -t cgroup -o TARGET,OPTIONS | awk '$2 ~ /(^|,)name=systemd(,|$)/ {print $1; exit}'
}

# Remove the (empty) cgroup subtree of host NAME.
remove_host_cgroups() { # NAME
  local cg
  for cg in $(lab_cgroup_roots); do
    [[ -d $cg/$CG_PREFIX$1 ]] || continue
    find "$cg/$CG_PREFIX$1" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# The bridge of this slot's systemd network (shared by lab/systemd and
# lab/devstack): made when missing, removed only when no veth is left on it.
bridge_up() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip addr replace "$BRIDGE_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}
bridge_down_if_unused() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || return 0
  if [[ -n $(ip -o link show master "$BRIDGE" 2>/dev/null) ]]; then
    return 0
  fi
  ip link del "$BRIDGE"
}

# A network namespace NETNS with one veth (VETH here, eth0 inside) onto the
# bridge, holding ADDR... (each /24), no default route: a host in it reaches
# only the bridge's /24.
# The host's eth0 gets a MAC address of its own name (locally administered),
# the same every time it starts: the machine's neighbour entries for its
# addresses stay right across a restart (a new random MAC left them
# pointing at the old one for up to a minute: a fresh make test saw an
# instance address of devstack1 time out right after a reset), and any
# entry left from before is flushed anyway.
netns_up() { # NETNS VETH ADDR...
  local ns=$1 veth=$2 a mac
  shift 2
  mac=02:$(printf '%s' "$ns" | md5sum | sed -E 's/^(..)(..)(..)(..)(..).*/\1:\2:\3:\4:\5/')
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 address "$mac" netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  for a in "$@"; do
    ip -n "$ns" addr add "$a/24" dev eth0
    ip neigh flush to "$a" 2>/dev/null || true
  done
  ip -n "$ns" link set eth0 up
}

# Stop host NAME started from HOSTDIR whose nspawn PID is in PIDFILE and whose
# PID 1 and start time are in INITFILE: SIGTERM to nspawn (forwarded to the
# container's systemd as SIGRTMIN+3), or SIGRTMIN+4 to PID 1 if nspawn is gone;
# wait up to TIMEOUT s; then SIGKILL PID 1 (the whole PID namespace) and
# nspawn. Removes both files. Prints what it does through SAY.
nspawn_alive() { # HOSTDIR PIDFILE INITFILE
  local pid init start
  pid=$(cat "$2" 2>/dev/null || true)
  nspawn_pid_alive "$pid" "$1" && echo "nspawn:$pid"
  if read -r init start 2>/dev/null <"$3"; then
    init_alive "$init" "$start" && echo "init:$init"
  fi
  return 0
}
nspawn_stop() { # NAME HOSTDIR PIDFILE INITFILE TIMEOUT
  local name=$1 hd=$2 pf=$3 inf=$4 timeout=$5 left x end pid
  left=$(nspawn_alive "$hd" "$pf" "$inf")
  if [[ -n $left ]]; then
    say "powering off $name"
    for x in $left; do
      case $x in
        nspawn:*) kill -TERM "${x#nspawn:}" 2>/dev/null || true ;;
        init:*) kill -s RTMIN+4 "${x#init:}" 2>/dev/null || true ;;
      esac
    done
    end=$((SECONDS + timeout))
    while [[ -n $(nspawn_alive "$hd" "$pf" "$inf") ]] && ((SECONDS < end)); do sleep 0.2; done
    left=$(nspawn_alive "$hd" "$pf" "$inf")
    if [[ -n $left ]]; then
      say "$name did not power off within ${timeout}s; killing (${left//$'\n'/ })"
      for x in $left; do
        if [[ $x == init:* ]]; then kill -KILL "${x#init:}" 2>/dev/null || true; fi
      done
      end=$((SECONDS + 5))
      while [[ -n $(nspawn_alive "$hd" "$pf" "$inf") ]] && ((SECONDS < end)); do sleep 0.2; done
      for x in $(nspawn_alive "$hd" "$pf" "$inf"); do kill -KILL "${x#*:}" 2>/dev/null || true; done
      end=$((SECONDS + 5))
      while [[ -n $(nspawn_alive "$hd" "$pf" "$inf") ]] && ((SECONDS < end)); do sleep 0.2; done
      [[ -z $(nspawn_alive "$hd" "$pf" "$inf") ]] || { say "$name: still alive after SIGKILL"; return 1; }
    fi
  fi
  # nspawn was re-parented to PID 1 when up.sh exited: give PID 1 a moment to
  # reap it, so no <defunct> entry is left in ps
  pid=$(cat "$pf" 2>/dev/null || true)
  end=$((SECONDS + 5))
  while [[ $pid =~ ^[0-9]+$ && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && ((SECONDS < end)); do
    sleep 0.2
  done
  rm -f "$pf" "$inf"
  remove_host_cgroups "$name"
}
