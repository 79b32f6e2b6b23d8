# shellcheck shell=bash
# Shared settings and helpers of lab/devstack/{up,down}.sh (sourced, not run).

# shellcheck source=lab/nspawn/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../nspawn/lib.sh"
# shellcheck disable=SC2034 # used by the scripts that source this file
{
  DS_NAME=devstack1
  DS=$LAB_DIR/devstack            # state of this part
  DS_HOSTDIR=$DS/host              # rw (tmpfs), root (overlay), seed
  DS_NETNS=${LAB_NET_PREFIX}ds01
  DS_VETH=${LAB_NET_PREFIX}ds01h
  DS_ADDR=$NET.10                  # devstack1 on the systemd lab's bridge
  DS_KEY=$DS/id_ed25519
  DS_KNOWN_HOSTS=$DS/known_hosts
  DS_PIDF=$DS/pids/$DS_NAME.pid
  DS_INITF=$DS/pids/$DS_NAME.init
  DS_GOLDEN=$DS/golden             # the first boot's upper layer: a stacked devstack1
  DS_RELEASES=$DS/releases         # release roots (2025.1: Debian 13's Trove 23)
  DS_NEW_RELEASE=2025.1
}

# Addresses for database instances (the stand-ins' guests), on devstack1's
# eth0 too, so the control node reaches every instance: 10.233.N.100-131.
ds_instance_addrs() {
  local i
  for ((i = 100; i < 132; i++)); do echo "$NET.$i"; done
}

say() { printf '[devstack-lab] %s\n' "$*"; }
die() {
  printf '[devstack-lab] ERROR: %s\n' "$*" >&2
  exit 1
}

# ssh as root into devstack1, host key checked against the lab's known_hosts.
ds_ssh() { # COMMAND...
  ssh -F /dev/null -i "$DS_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$DS_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o ConnectTimeout=3 -o LogLevel=ERROR "root@$DS_ADDR" "$@"
}

ds_running() {
  nspawn_pid_alive "$(cat "$DS_PIDF" 2>/dev/null || true)" "$DS_HOSTDIR"
}
