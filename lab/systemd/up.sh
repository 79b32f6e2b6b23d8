#!/usr/bin/env bash
# Start the systemd lab: SYSTEMD_HOSTS containers that each boot a real systemd
# (systemd-nspawn over an overlay of this machine's /), each in its own network
# namespace on bridge rblab2 (10.233.0.0/24), with sshd on port 22.
# See lab/systemd/README.md.
#
# Knobs: LAB_DIR (default /tmp/runbook-lab), SYSTEMD_HOSTS (default 2),
#        SYSTEMD_BOOT_TIMEOUT (seconds per host, default 60),
#        SYSTEMD_TMPFS_SIZE (upper layer size per host, default 256m).
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/systemd/common.sh
. "$here/common.sh"

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, mounts, systemd-nspawn)"
if ! [[ $SYSTEMD_HOSTS =~ ^[0-9]+$ ]] || ((SYSTEMD_HOSTS < 1 || SYSTEMD_HOSTS > 99)); then
  die "SYSTEMD_HOSTS must be 1..99 (got '$SYSTEMD_HOSTS')"
fi
boot_timeout=${SYSTEMD_BOOT_TIMEOUT:-60}
export NSPAWN_TMPFS_SIZE=${SYSTEMD_TMPFS_SIZE:-256m}

# --- packages ---------------------------------------------------------------
missing=()
for p in systemd-container openssh-server openssh-client iproute2 util-linux; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
fi

# --- already up? --------------------------------------------------------------
if compgen -G "$STATE/pids/*.pid" >/dev/null; then
  healthy=1
  for ((i = 1; i <= SYSTEMD_HOSTS; i++)); do
    name=$(host_name "$i")
    pid=$(cat "$STATE/pids/$name.pid" 2>/dev/null || true)
    if ! lab_pid_alive "$pid" "$name" || ! lab_ssh "$(host_addr "$i")" true 2>/dev/null; then healthy=0; break; fi
  done
  n_up=$(compgen -G "$STATE/pids/*.pid" | wc -l)
  if ((healthy && n_up == SYSTEMD_HOSTS)); then
    say "already up: $SYSTEMD_HOSTS host(s), see $STATE/hosts.json"
    exit 0
  fi
  say "found a partial or different lab; taking it down first"
  "$here/down.sh"
elif ip netns list 2>/dev/null | grep -qE "^${LAB_NET_PREFIX}sd[0-9]{2}( |\$)"; then
  say "found leftovers of an earlier run; cleaning up first"
  "$here/down.sh"
fi

mkdir -p "$STATE/pids" "$STATE/hosts"

# --- client key (generated once) -----------------------------------------------
if [[ ! -s $KEY ]]; then
  say "generating lab key $KEY"
  ssh-keygen -q -t ed25519 -N '' -C runbook-lab-systemd -f "$KEY"
fi

# --- bridge (shared with lab/devstack) ---------------------------------------------
bridge_up

# --- per host: netns, seed, container --------------------------------------------
seed_host() { # NAME HOSTDIR
  local name=$1 hd=$2 up units u inst
  up=$hd/seed/upper units=$hd/seed/units
  rm -rf "$hd/seed"
  mkdir -p "$up/etc/ssh/authorized_keys" "$up/root" "$units/runbook-lab.target.wants"
  chmod 700 "$up/root"
  # identity
  [[ -s $hd/machine-id ]] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$hd/machine-id"
  { cat "$hd/machine-id"; echo; } >"$up/etc/machine-id"
  echo "$name" >"$up/etc/hostname"
  # sshd: own host key (kept across restarts so known_hosts stays valid), lab key for root
  [[ -s $hd/ssh_host_ed25519_key ]] ||
    ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$hd/ssh_host_ed25519_key"
  install -m 600 "$hd/ssh_host_ed25519_key" "$up/etc/ssh/ssh_host_ed25519_key"
  install -m 644 "$hd/ssh_host_ed25519_key.pub" "$up/etc/ssh/ssh_host_ed25519_key.pub"
  install -m 644 "$KEY.pub" "$up/etc/ssh/authorized_keys/root"
  install -m 644 "$here/../nspawn/sshd_config" "$up/etc/ssh/sshd_config"
  # stock shell start-up files for root (this machine's root runs pyenv)
  cp /etc/skel/.bashrc /etc/skel/.profile "$up/root/"
  [[ -f /etc/skel/.bash_logout ]] && cp /etc/skel/.bash_logout "$up/root/"
  # the container's whole /etc/systemd/system
  cp "$here"/units/*.service "$here"/units/*.target "$units/"
  ln -s /etc/systemd/system/runbook-lab.target "$units/default.target"
  ln -s /lib/systemd/system/ssh.service "$units/sshd.service"
  for u in rb-ok rb-reload; do
    ln -s "/etc/systemd/system/$u.service" "$units/runbook-lab.target.wants/$u.service"
  done
  for inst in tr-api tr-cond tr-tmgr keystone; do
    ln -s "/etc/systemd/system/devstack@.service" "$units/runbook-lab.target.wants/devstack@$inst.service"
  done
}

declare -A started_at
for ((i = 1; i <= SYSTEMD_HOSTS; i++)); do
  name=$(host_name "$i") ns=$(host_netns "$i") veth=$(host_veth "$i") addr=$(host_addr "$i")
  hd=$STATE/hosts/$name
  mkdir -p "$hd/rw" "$hd/root"
  netns_up "$ns" "$veth" "$addr"

  seed_host "$name" "$hd"

  say "starting $name ($addr, netns $ns)"
  started_at[$name]=$(date +%s.%N)
  setsid unshare --mount --propagation private "$here/../nspawn/launch.sh" "$hd" "$name" "$ns" \
    </dev/null >"$hd/console.log" 2>&1 &
  echo $! >"$STATE/pids/$name.pid"
done

# --- files for clients --------------------------------------------------------------
write_client_files() {
  local i name addr pid sep="" names=() addrs=()
  : >"$STATE/known_hosts.tmp"
  {
    echo '# runbook systemd lab inventory (written by lab/systemd/up.sh)'
    echo 'defaults {'
    echo '  user              = "root"'
    echo "  private_key       = \"$KEY\""
    echo "  known_hosts       = \"$KNOWN_HOSTS\""
    echo '  host_key_checking = "strict"'
    echo '}'
    echo 'group "systemd" {}'
  } >"$STATE/inventory.hcl.tmp"
  echo '[' >"$STATE/hosts.json.tmp"
  for ((i = 1; i <= SYSTEMD_HOSTS; i++)); do
    name=$(host_name "$i") addr=$(host_addr "$i")
    pid=$(cat "$STATE/pids/$name.pid")
    names+=("$name") addrs+=("$addr")
    echo "$addr $(cut -d' ' -f1,2 "$STATE/hosts/$name/ssh_host_ed25519_key.pub")" >>"$STATE/known_hosts.tmp"
    printf '%s  {"name": "%s", "address": "%s", "port": 22, "user": "root", "netns": "%s", "pid": %s}' \
      "$sep" "$name" "$addr" "$(host_netns "$i")" "$pid" >>"$STATE/hosts.json.tmp"
    sep=$',\n'
    printf 'host "%s" {\n  address = "%s"\n  groups  = ["systemd"]\n}\n' "$name" "$addr" >>"$STATE/inventory.hcl.tmp"
  done
  printf '\n]\n' >>"$STATE/hosts.json.tmp"
  {
    echo "# runbook systemd lab (written by lab/systemd/up.sh); lists are comma-separated"
    echo "LAB_SYSTEMD_DIR=$STATE"
    echo "LAB_SYSTEMD_KEY=$KEY"
    echo "LAB_SYSTEMD_KNOWN_HOSTS=$KNOWN_HOSTS"
    echo "LAB_SYSTEMD_INVENTORY=$STATE/inventory.hcl"
    echo "LAB_SYSTEMD_HOSTS_JSON=$STATE/hosts.json"
    echo "LAB_SYSTEMD_USER=root"
    echo "LAB_SYSTEMD_PORT=22"
    echo "LAB_SYSTEMD_HOSTS=$(IFS=,; echo "${names[*]}")"
    echo "LAB_SYSTEMD_ADDRESSES=$(IFS=,; echo "${addrs[*]}")"
    echo "LAB_SYSTEMD_BRIDGE=$BRIDGE"
    echo "LAB_SYSTEMD_BRIDGE_ADDRESS=$BRIDGE_ADDR"
  } >"$STATE/env.tmp"
  for f in known_hosts inventory.hcl hosts.json env; do mv "$STATE/$f.tmp" "$STATE/$f"; done
}
write_client_files

# --- wait for sshd and the end of boot ------------------------------------------------
fail_host() { # NAME MESSAGE
  local hd=$STATE/hosts/$1
  echo "--- last lines of $hd/console.log ---" >&2
  tail -n 40 "$hd/console.log" >&2 || true
  die "$1: $2 (state left in place for inspection; run lab/systemd/down.sh to clean up)"
}

for ((i = 1; i <= SYSTEMD_HOSTS; i++)); do
  name=$(host_name "$i") addr=$(host_addr "$i")
  pid=$(cat "$STATE/pids/$name.pid")
  deadline=$((SECONDS + boot_timeout))
  until lab_ssh "$addr" true 2>/dev/null; do
    lab_pid_alive "$pid" "$name" || fail_host "$name" "systemd-nspawn (pid $pid) exited during boot"
    ((SECONDS < deadline)) || fail_host "$name" "sshd on $addr:22 did not answer within ${boot_timeout}s"
    sleep 0.2
  done
  ssh_at=$(date +%s.%N)
  state=$(lab_ssh "$addr" 'timeout 30 systemctl is-system-running --wait' 2>/dev/null || true)
  case $state in
    running | degraded) ;;
    *) fail_host "$name" "systemctl is-system-running says '${state:-nothing}' (want running or degraded)" ;;
  esac
  init=$(container_init_pid "$pid")
  [[ -n $init ]] || fail_host "$name" "cannot find the container's PID 1 under nspawn pid $pid"
  echo "$init $(proc_starttime "$init")" >"$STATE/pids/$name.init"
  say "$name up: ssh after $(awk -v a="${started_at[$name]}" -v b="$ssh_at" 'BEGIN{printf "%.2f", b-a}')s, system $state (nspawn pid $pid, init pid $init)"
done

say "ready: $SYSTEMD_HOSTS host(s); inventory $STATE/inventory.hcl, env $STATE/env"
