# Shared settings and helpers of lab/systemd/{up,down,smoke}.sh (sourced, not run).
# shellcheck shell=bash

# shellcheck source=lab/nspawn/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../nspawn/lib.sh"
SYSTEMD_HOSTS=${SYSTEMD_HOSTS:-2}
STATE=$LAB_DIR/systemd
KEY=$STATE/id_ed25519
KNOWN_HOSTS=$STATE/known_hosts
# Bridge, its address and the /24 come from lab/nspawn/lib.sh.
# Netns and veth names: ${LAB_NET_PREFIX}sdNN, ${LAB_NET_PREFIX}sdNNh; cgroups: ${CG_PREFIX}sdNN.

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

# True if PID is still the lab's launcher/nspawn process for host NAME.
lab_pid_alive() { nspawn_pid_alive "$1" "$STATE/hosts/$2"; } # PID NAME
