# Shared settings and helpers of lab/systemd/{up,down,smoke}.sh (sourced, not run).
# shellcheck shell=bash

# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
SYSTEMD_HOSTS=${SYSTEMD_HOSTS:-2}
STATE=$LAB_DIR/systemd
KEY=$STATE/id_ed25519
KNOWN_HOSTS=$STATE/known_hosts
# shellcheck disable=SC2034 # used by the scripts that source this file
BRIDGE=${LAB_NET_PREFIX}lab2 BRIDGE_ADDR=10.233.$LAB_NET_OCTET.1 NET=10.233.$LAB_NET_OCTET
# Netns and veth names: ${LAB_NET_PREFIX}sdNN, ${LAB_NET_PREFIX}sdNNh; cgroups: ${CG_PREFIX}sdNN.
CG_PREFIX=runbook-lab${LAB_SLOT#0}-

say() { printf '[systemd-lab] %s\n' "$*"; }
die() {
  printf '[systemd-lab] ERROR: %s\n' "$*" >&2
  exit 1
}

host_name() { printf 'sd%02d' "$1"; }
host_netns() { printf '%ssd%02d' "$LAB_NET_PREFIX" "$1"; }
host_veth() { printf '%ssd%02dh' "$LAB_NET_PREFIX" "$1"; }
host_addr() { printf '%s.%d' "$NET" $((10 + $1)); }

# ssh as root into a lab host, host key checked against the lab's known_hosts.
lab_ssh() { # ADDR COMMAND...
  local addr=$1
  shift
  # shellcheck disable=SC2086 # LAB_SSH_EXTRA: extra options, word-split on purpose
  ssh -F /dev/null -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes ${LAB_SSH_EXTRA:-} \
    -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o ConnectTimeout=3 -o LogLevel=ERROR "root@$addr" "$@"
}

# True if PID is still the lab's launcher/nspawn process for host NAME (guards
# against a recycled PID: its command line names the host's state folder).
lab_pid_alive() { # PID NAME
  local pid=$1 name=$2
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE/hosts/$name"
}

# Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat).
proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # after "pid (comm) " the fields start at 3; starttime is field 22
  awk '{print $20}' <<<"$stat"
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
