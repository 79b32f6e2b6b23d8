#!/usr/bin/env bash
# Start the SSH lab: real OpenSSH sshd hosts on loopback ports, in network
# namespaces with their own IP (/ as an overlay on tmpfs), and a jump host in
# front of a host that only the jump host can reach. See README.md.
#
# Knobs: RUNBOOK_LAB_SLOT (0, see lab/slot.sh), LAB_DIR (/tmp/runbook-lab), SSH_HOSTS (12),
# SSH_BASE_PORT (22201 in slot 0),
# SSH_NETNS_HOSTS (3), SSH_JUMP (1: jump + inner1, 0: none).
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SSH_HOSTS=${SSH_HOSTS:-12}
SSH_BASE_PORT=${SSH_BASE_PORT:-$(lab_ssh_base_port)}
SSH_NETNS_HOSTS=${SSH_NETNS_HOSTS:-3}
SSH_JUMP=${SSH_JUMP:-1}

need_root
[[ $LAB_DIR != *[[:space:]]* ]] || die "LAB_DIR must not contain white space: '$LAB_DIR'"
lab_lock
[[ $SSH_HOSTS =~ ^[0-9]+$ ]] || die "SSH_HOSTS must be a number, got '$SSH_HOSTS'"
[[ $SSH_BASE_PORT =~ ^[0-9]+$ ]] || die "SSH_BASE_PORT must be a number, got '$SSH_BASE_PORT'"
[[ $SSH_NETNS_HOSTS =~ ^[0-9]+$ ]] || die "SSH_NETNS_HOSTS must be a number, got '$SSH_NETNS_HOSTS'"
[[ $SSH_JUMP == 0 || $SSH_JUMP == 1 ]] || die "SSH_JUMP must be 0 or 1, got '$SSH_JUMP'"
((SSH_BASE_PORT >= 1024 && SSH_BASE_PORT + SSH_HOSTS - 1 <= 65535)) ||
	die "ports $SSH_BASE_PORT..$((SSH_BASE_PORT + SSH_HOSTS - 1)) are out of range 1024..65535"
((SSH_NETNS_HOSTS <= 200)) || die "SSH_NETNS_HOSTS must be <= 200 (addresses $NET0.11..)"

T0=$(now_ms)
KNOBS="SSH_HOSTS=$SSH_HOSTS SSH_BASE_PORT=$SSH_BASE_PORT SSH_NETNS_HOSTS=$SSH_NETNS_HOSTS SSH_JUMP=$SSH_JUMP"

# --- already up? -------------------------------------------------------------
if [[ -r $SSH_LAB/up.conf ]]; then
	if [[ $(<"$SSH_LAB/up.conf") == "$KNOBS" ]]; then
		alive=1
		while read -r n; do
			[[ -n $(host_pid "$n") ]] || {
				alive=0
				break
			}
		done < <(host_names)
		if ((alive)); then
			log "already up ($KNOBS); nothing to do. Use down.sh first to restart."
			exit 0
		fi
		log "lab is partly down; restarting it"
	else
		log "lab is up with other settings ($(<"$SSH_LAB/up.conf")); restarting it with $KNOBS"
	fi
fi
# Clean whatever a previous (possibly interrupted) run left behind.
if [[ -e $SSH_LAB/up.conf || -e $SSH_LAB/net.list || -n $(ls -A "$SSH_LAB/pids" 2>/dev/null) ]]; then
	"$LAB_SCRIPT_DIR/down.sh" | sed 's/^/  /'
fi

mkdir -p "$SSH_LAB"
chmod 0755 "$SSH_LAB"

# --- packages ----------------------------------------------------------------
ensure_packages() {
	local p missing=()
	for p in openssh-server openssh-client sudo iproute2 jq procps util-linux passwd; do
		[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	log "installing ${missing[*]} (log: $SSH_LAB/apt.log)"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -o DPkg::Lock::Timeout=900 "${missing[@]}" >"$SSH_LAB/apt.log" 2>&1; then
		apt-get update -o DPkg::Lock::Timeout=900 >>"$SSH_LAB/apt.log" 2>&1 || true
		apt-get install -y -o DPkg::Lock::Timeout=900 "${missing[@]}" >>"$SSH_LAB/apt.log" 2>&1 ||
			die "apt-get install ${missing[*]} failed; see $SSH_LAB/apt.log"
	fi
}
ensure_packages
[[ -x $SSHD ]] || die "$SSHD missing after installing openssh-server"
mkdir -p /run/sshd
chmod 0755 /run/sshd

# --- preflight: ports, names, subnets ----------------------------------------
declare -A busy=()
while read -r p; do busy[$p]=1; done < <(listening_ports)
conflicts=()
for ((i = 0; i < SSH_HOSTS; i++)); do
	p=$((SSH_BASE_PORT + i))
	[[ -z ${busy[$p]:-} ]] || conflicts+=("$p")
done
if ((${#conflicts[@]})); then
	for p in "${conflicts[@]}"; do ss -Hltnp "( sport = :$p )" >&2 || true; done
	die "port(s) ${conflicts[*]} already in use; pick another SSH_BASE_PORT (range needed: $SSH_BASE_PORT..$((SSH_BASE_PORT + SSH_HOSTS - 1)))"
fi

NS_NAMES=()
for ((i = 1; i <= SSH_NETNS_HOSTS; i++)); do NS_NAMES+=("$(printf 'n%02d' "$i")"); done
WANT_NET=0
((SSH_NETNS_HOSTS > 0 || SSH_JUMP == 1)) && WANT_NET=1
if ((WANT_NET)); then
	owner=$(net_owner)
	if [[ -n $owner && $owner != "$SSH_LAB" && -e $owner/net.list ]]; then
		die "the namespace hosts ($BR0, ${NSP}n01, ...) are in use by the lab in $owner; stop it (LAB_DIR=${owner%/ssh} lab/ssh/down.sh) or use SSH_NETNS_HOSTS=0 SSH_JUMP=0"
	fi
	existing_ns=" $(ip netns list | awk '{print $1}' | tr '\n' ' ') "
	for n in "${NS_NAMES[@]/#/$NSP}" "${NSP}jump" "$NSP$INNER_NAME"; do
		[[ $existing_ns != *" $n "* ]] || die "network namespace $n already exists (left from an earlier lab? try lab/ssh/down.sh, or 'ip netns del $n')"
	done
	for l in "$BR0" "$BR1" "${NS_NAMES[@]/#/$NSP}" "${NSP}jump" "${NSP}jumpi" "$NSP$INNER_NAME"; do
		! ip link show "$l" >/dev/null 2>&1 || die "network interface $l already exists (left from an earlier lab? try lab/ssh/down.sh)"
	done
	for net in "$NET0" "$NET1"; do
		if ip -4 route show | awk '{print $1, $2, $3}' | grep -q "^\(unreachable \)\?$net\."; then
			die "a route for $net.0/24 already exists in the root namespace: $(ip -4 route show | grep "$net\." | head -1)"
		fi
	done
fi

# --- the login user rb, its password and sudo --------------------------------
if ! id "$LAB_USER" >/dev/null 2>&1; then
	log "creating user $LAB_USER"
	useradd --create-home --skel /etc/skel --shell /bin/bash --user-group "$LAB_USER"
fi
[[ $(getent passwd "$LAB_USER" | cut -d: -f7) == /bin/bash ]] || usermod -s /bin/bash "$LAB_USER"
RB_HOME=$(getent passwd "$LAB_USER" | cut -d: -f6)
mkdir -p "$RB_HOME"
for f in .bashrc .profile .bash_logout; do
	if [[ -f /etc/skel/$f ]] && ! cmp -s "/etc/skel/$f" "$RB_HOME/$f"; then
		install -o "$LAB_USER" -g "$LAB_USER" -m 0644 "/etc/skel/$f" "$RB_HOME/$f"
	fi
done
chown "$LAB_USER:$LAB_USER" "$RB_HOME"

# One password for the one user, whatever LAB_DIR: generated once, kept in
# $GLOBAL_PASSWORD_FILE and copied into the lab dir.
umask 077
mkdir -p "$(dirname "$GLOBAL_PASSWORD_FILE")"
if [[ ! -s $GLOBAL_PASSWORD_FILE ]]; then
	if [[ -s $SSH_LAB/become_password ]]; then
		cp "$SSH_LAB/become_password" "$GLOBAL_PASSWORD_FILE"
	else
		head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 >"$GLOBAL_PASSWORD_FILE"
	fi
fi
cmp -s "$GLOBAL_PASSWORD_FILE" "$SSH_LAB/become_password" || cp "$GLOBAL_PASSWORD_FILE" "$SSH_LAB/become_password"
chmod 0600 "$SSH_LAB/become_password" "$GLOBAL_PASSWORD_FILE"
printf '%s:%s\n' "$LAB_USER" "$(<"$GLOBAL_PASSWORD_FILE")" | chpasswd
umask 022

sudoers_tmp=$(mktemp)
cat >"$sudoers_tmp" <<EOF
# runbook SSH lab (lab/ssh/up.sh): $LAB_USER may run anything, always with its password.
Defaults:$LAB_USER !lecture, timestamp_timeout=0
$LAB_USER ALL=(ALL:ALL) ALL
EOF
visudo -cqf "$sudoers_tmp" >/dev/null || die "generated sudoers drop-in does not parse"
if ! cmp -s "$sudoers_tmp" /etc/sudoers.d/runbook-lab; then
	install -m 0440 -o root -g root "$sudoers_tmp" /etc/sudoers.d/runbook-lab
fi
rm -f "$sudoers_tmp"

# --- client keys -------------------------------------------------------------
mkdir -p "$SSH_LAB/hostkeys" "$SSH_LAB/conf" "$SSH_LAB/logs" "$SSH_LAB/pids" "$SSH_LAB/hosts.d" "$SSH_LAB/roots" "$SSH_LAB/boot"
if [[ ! -s $SSH_LAB/id_ed25519 ]]; then
	ssh-keygen -q -t ed25519 -N '' -C "runbook-lab" -f "$SSH_LAB/id_ed25519"
fi
if [[ ! -s $SSH_LAB/id_ed25519_pass || ! -s $SSH_LAB/id_ed25519_pass.passphrase ]]; then
	rm -f "$SSH_LAB/id_ed25519_pass" "$SSH_LAB/id_ed25519_pass.pub"
	(umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20 >"$SSH_LAB/id_ed25519_pass.passphrase")
	ssh-keygen -q -t ed25519 -N "$(<"$SSH_LAB/id_ed25519_pass.passphrase")" -C "runbook-lab-passphrase" -f "$SSH_LAB/id_ed25519_pass"
fi
chmod 0600 "$SSH_LAB/id_ed25519" "$SSH_LAB/id_ed25519_pass" "$SSH_LAB/id_ed25519_pass.passphrase"
cat "$SSH_LAB/id_ed25519.pub" "$SSH_LAB/id_ed25519_pass.pub" >"$SSH_LAB/authorized_keys"
chown root:root "$SSH_LAB/authorized_keys"
chmod 0644 "$SSH_LAB/authorized_keys"
# rb reads authorized_keys itself (sshd drops to the user): it must be able to
# traverse every directory on the way.
if ! runuser -u "$LAB_USER" -- test -r "$SSH_LAB/authorized_keys"; then
	d=$SSH_LAB
	while [[ $d != / ]]; do
		d=$(dirname "$d")
		[[ $d == / ]] || runuser -u "$LAB_USER" -- test -x "$d" || {
			log "chmod o+x $d (so $LAB_USER can reach the lab's authorized_keys)"
			chmod o+x "$d"
		}
	done
	chmod o+x "$SSH_LAB"
	runuser -u "$LAB_USER" -- test -r "$SSH_LAB/authorized_keys" || die "$LAB_USER cannot read $SSH_LAB/authorized_keys"
fi

# --- hosts: keys, configs, metadata ------------------------------------------
: >"$SSH_LAB/hosts.order"
WIDTH=2
((${#SSH_HOSTS} > WIDTH)) && WIDTH=${#SSH_HOSTS}

# lab_addrs_permit: the PermitOpen list of namespace hosts (lab addresses only).
PERMIT_NS="$NET0.1:*"
for ((i = 1; i <= SSH_NETNS_HOSTS; i++)); do PERMIT_NS+=" $NET0.$((10 + i)):*"; done
((SSH_JUMP)) && PERMIT_NS+=" $NET0.2:* $NET1.11:*"

# add_host NAME KIND ADDR PORT NETNS VETH JUMP
add_host() {
	local name=$1 kind=$2 addr=$3 port=$4 netns=$5 veth=$6 jump=$7 key conf permit
	key=$SSH_LAB/hostkeys/${name}_ed25519
	conf=$SSH_LAB/conf/$name.sshd_config
	[[ -s $key ]] || ssh-keygen -q -t ed25519 -N '' -C "runbook-lab-$name" -f "$key"
	if [[ $kind == loopback ]]; then
		permit="127.0.0.1:* localhost:*"
	else
		permit=$PERMIT_NS
	fi
	cat >"$conf" <<EOF
# runbook SSH lab host $name (generated by lab/ssh/up.sh; edits are lost on the next up)
ListenAddress $addr:$port
HostKey $key
PidFile none
UsePAM no
KexAlgorithms curve25519-sha256
LogLevel VERBOSE
MaxSessions 100
MaxStartups 200
StrictModes no
AuthorizedKeysFile $SSH_LAB/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $LAB_USER
PrintMotd no
PrintLastLog no
UseDNS no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding yes
PermitOpen $permit
AcceptEnv LANG LC_* RB_*
Subsystem sftp internal-sftp
EOF
	cat >"$(meta_file "$name")" <<EOF
H_NAME=$name
H_KIND=$kind
H_ADDR=$addr
H_PORT=$port
H_NETNS=$netns
H_VETH=$veth
H_JUMP=$jump
H_CONF=$conf
H_LOG=$SSH_LAB/logs/$name.log
H_ROOT=$([[ $kind == netns ]] && printf '%s' "$SSH_LAB/roots/$name")
EOF
	: >"$SSH_LAB/logs/$name.log"
	printf '%s\n' "$name" >>"$SSH_LAB/hosts.order"
}

LOOP_NAMES=()
for ((i = 0; i < SSH_HOSTS; i++)); do
	n=$(printf 'h%0*d' "$WIDTH" $((i + 1)))
	LOOP_NAMES+=("$n")
	add_host "$n" loopback 127.0.0.1 $((SSH_BASE_PORT + i)) "" "" ""
done
for ((i = 1; i <= SSH_NETNS_HOSTS; i++)); do
	n=${NS_NAMES[i - 1]}
	add_host "$n" netns "$NET0.$((10 + i))" 22 "$NSP$n" "$NSP$n" ""
done
if ((SSH_JUMP)); then
	add_host "$JUMP_NAME" netns "$NET0.2" 22 "${NSP}jump" "${NSP}jump" ""
	add_host "$INNER_NAME" netns "$NET1.11" 22 "$NSP$INNER_NAME" "$NSP$INNER_NAME" "$JUMP_NAME"
fi
T_PREP=$(now_ms)

# --- network namespaces ------------------------------------------------------
cleanup_on_error() {
	local rc=$?
	if ((rc != 0)); then
		warn "up failed (exit $rc); cleaning up with down.sh (logs stay in $SSH_LAB/logs)"
		"$LAB_SCRIPT_DIR/down.sh" >&2 || true
	fi
}
trap cleanup_on_error EXIT

NET_LIST=$SSH_LAB/net.list
: >"$NET_LIST"
record() { printf '%s\n' "$*" >>"$NET_LIST"; }

# ns_with_leg NETNS ROOT_IF NS_IF ADDR/24 BRIDGE
ns_leg() {
	local ns=$1 rif=$2 nif=$3 cidr=$4 br=$5
	record link "$rif"
	ip link add "$rif" type veth peer name "$nif" netns "$ns"
	ip link set "$rif" master "$br" up
	ip -n "$ns" addr add "$cidr" dev "$nif"
	ip -n "$ns" link set "$nif" up
}
new_ns() {
	record netns "$1"
	ip netns add "$1"
	ip -n "$1" link set lo up
}
new_root() {
	local r=$1
	mkdir -p "$r"
	record mount "$r"
	mountpoint -q "$r" || mount -t tmpfs -o size=1g,mode=0755 "runbook-lab${LAB_SLOT#0}-root" "$r"
	mkdir -p "$r/upper" "$r/work" "$r/merged"
	mkdir -p "$r/tmp"
	chmod 1777 "$r/tmp"
}

if ((WANT_NET)); then
	printf '%s\n' "$SSH_LAB" >"$NET_OWNER_FILE"
	log "creating bridge $BR0 ($NET0.1/24) and network namespaces"
	record link "$BR0"
	ip link add "$BR0" type bridge
	ip addr add "$NET0.1/24" dev "$BR0"
	ip link set "$BR0" up
	for n in "${NS_NAMES[@]}"; do
		load_meta "$n"
		new_ns "$H_NETNS"
		ns_leg "$H_NETNS" "$H_VETH" eth0 "$H_ADDR/24" "$BR0"
		new_root "$H_ROOT"
	done
	if ((SSH_JUMP)); then
		# rblab1: no address here; and an unreachable route so nothing for
		# $NET1.0/24 ever leaves through this machine's default route.
		record link "$BR1"
		ip link add "$BR1" type bridge
		ip link set "$BR1" up
		record route "unreachable $NET1.0/24"
		ip route add unreachable "$NET1.0/24"
		load_meta "$JUMP_NAME"
		new_ns "${NSP}jump"
		ns_leg "${NSP}jump" "${NSP}jump" eth0 "$NET0.2/24" "$BR0"
		ns_leg "${NSP}jump" "${NSP}jumpi" eth1 "$NET1.2/24" "$BR1"
		new_root "$H_ROOT"
		load_meta "$INNER_NAME"
		new_ns "$H_NETNS"
		ns_leg "$H_NETNS" "$H_VETH" eth0 "$NET1.11/24" "$BR1"
		new_root "$H_ROOT"
	fi
fi
T_NET=$(now_ms)

# --- start every sshd --------------------------------------------------------
log "starting ${SSH_HOSTS} loopback sshd on 127.0.0.1:$SSH_BASE_PORT.. and $(($(wc -l <"$SSH_LAB/hosts.order") - SSH_HOSTS)) namespace sshd"
mapfile -t ALL < <(host_names)
for n in "${ALL[@]}"; do start_host "$n"; done
wait_listening "${ALL[@]}"
T_START=$(now_ms)

# --- files for the engine, the tests and ansible -----------------------------
KH=$SSH_LAB/known_hosts
WRONG_KEY=$SSH_LAB/hostkeys/wrong_ed25519
[[ -s $WRONG_KEY ]] || ssh-keygen -q -t ed25519 -N '' -C "runbook-lab-WRONG" -f "$WRONG_KEY"
: >"$KH.tmp"
: >"$KH.wrong.tmp"
for n in "${ALL[@]}"; do
	load_meta "$n"
	if [[ $H_PORT == 22 ]]; then hostpat=$H_ADDR; else hostpat="[$H_ADDR]:$H_PORT"; fi
	read -r kt kb _ <"$SSH_LAB/hostkeys/${n}_ed25519.pub"
	printf '%s %s %s\n' "$hostpat" "$kt" "$kb" >>"$KH.tmp"
	read -r kt kb _ <"$WRONG_KEY.pub"
	printf '%s %s %s\n' "$hostpat" "$kt" "$kb" >>"$KH.wrong.tmp"
done
mv "$KH.tmp" "$KH"
mv "$KH.wrong.tmp" "$KH.wrong"

write_hosts_json

{
	for n in "${ALL[@]}"; do
		load_meta "$n"
		printf 'Host %s\n    HostName %s\n    Port %s\n' "$n" "$H_ADDR" "$H_PORT"
		[[ -z $H_JUMP ]] || printf '    ProxyJump %s\n' "$H_JUMP"
	done
	cat <<EOF
Host *
    User $LAB_USER
    IdentityFile $SSH_LAB/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $KH
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 5
    KexAlgorithms curve25519-sha256
EOF
} >"$SSH_LAB/ssh_config"

{
	printf '# runbook SSH lab loopback hosts (generated by lab/ssh/up.sh)\n[lab]\n'
	for n in "${LOOP_NAMES[@]}"; do
		load_meta "$n"
		printf '%s ansible_host=%s ansible_port=%s ansible_user=%s ansible_ssh_private_key_file=%s\n' \
			"$n" "$H_ADDR" "$H_PORT" "$LAB_USER" "$SSH_LAB/id_ed25519"
	done
	printf '\n[lab:vars]\nansible_python_interpreter=/usr/bin/python3\n'
} >"$SSH_LAB/inventory.ini"

cat >"$SSH_LAB/ansible.cfg" <<EOF
# runbook SSH lab (generated by lab/ssh/up.sh). Use: ANSIBLE_CONFIG=$SSH_LAB/ansible.cfg
# Become password: -e ansible_become_password=\$(cat $SSH_LAB/become_password)
[defaults]
inventory = $SSH_LAB/inventory.ini
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False

[ssh_connection]
ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$KH -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes
control_path_dir = $SSH_LAB/ansible-cp
EOF

{
	cat <<EOF
# runbook SSH lab inventory (generated by lab/ssh/up.sh)
defaults {
  user              = "$LAB_USER"
  private_key       = "$SSH_LAB/id_ed25519"
  known_hosts       = "$KH"
  host_key_checking = "strict"
}

group "loopback" {}
group "netns" {}
EOF
	for n in "${ALL[@]}"; do
		load_meta "$n"
		printf '\nhost "%s" {\n  address = "%s"\n  port    = %s\n' "$n" "$H_ADDR" "$H_PORT"
		if [[ $H_KIND == loopback ]]; then
			printf '  groups  = ["loopback"]\n'
		else
			printf '  groups  = ["netns"]\n'
		fi
		[[ -z $H_JUMP ]] || printf '  jump    = ["%s"]\n' "$H_JUMP"
		printf '}\n'
	done
} >"$SSH_LAB/inventory.hcl"

env_line() {
	if [[ $2 =~ ^[A-Za-z0-9_./:@,+=-]*$ ]]; then
		printf '%s=%s\n' "$1" "$2"
	else
		printf '%s=%q\n' "$1" "$2"
	fi
}
{
	echo "# runbook SSH lab (generated by lab/ssh/up.sh): . $SSH_LAB/env"
	env_line LAB_DIR "$LAB_DIR"
	env_line LAB_SSH_DIR "$SSH_LAB"
	env_line LAB_SSH_USER "$LAB_USER"
	env_line LAB_SSH_KEY "$SSH_LAB/id_ed25519"
	env_line LAB_SSH_KEY_PASS "$SSH_LAB/id_ed25519_pass"
	env_line LAB_SSH_KEY_PASSPHRASE_FILE "$SSH_LAB/id_ed25519_pass.passphrase"
	env_line LAB_SSH_KNOWN_HOSTS "$KH"
	env_line LAB_SSH_KNOWN_HOSTS_WRONG "$KH.wrong"
	env_line LAB_SSH_BECOME_PASSWORD_FILE "$SSH_LAB/become_password"
	env_line LAB_SSH_HOSTS "$SSH_HOSTS"
	env_line LAB_SSH_BASE_PORT "$SSH_BASE_PORT"
	env_line LAB_SSH_LOOPBACK_ADDR 127.0.0.1
	env_line LAB_SSH_NETNS_HOSTS "$SSH_NETNS_HOSTS"
	env_line LAB_SSH_JUMP "$([[ $SSH_JUMP == 1 ]] && printf '%s' "$JUMP_NAME")"
	env_line LAB_SSH_JUMP_ADDR "$([[ $SSH_JUMP == 1 ]] && printf '%s' "$NET0.2")"
	env_line LAB_SSH_INNER "$([[ $SSH_JUMP == 1 ]] && printf '%s' "$INNER_NAME")"
	env_line LAB_SSH_INNER_ADDR "$([[ $SSH_JUMP == 1 ]] && printf '%s' "$NET1.11")"
	env_line LAB_SSH_HOSTS_JSON "$SSH_LAB/hosts.json"
	env_line LAB_SSH_CONFIG "$SSH_LAB/ssh_config"
	env_line LAB_SSH_INVENTORY_HCL "$SSH_LAB/inventory.hcl"
	env_line LAB_SSH_INVENTORY_INI "$SSH_LAB/inventory.ini"
	env_line LAB_SSH_ANSIBLE_CFG "$SSH_LAB/ansible.cfg"
	env_line LAB_SSH_LOG_DIR "$SSH_LAB/logs"
	env_line LAB_SSH_ROOTS_DIR "$SSH_LAB/roots"
	env_line LAB_SSH_CTL "$LAB_SCRIPT_DIR/ctl.sh"
} >"$SSH_LAB/env"

printf '%s\n' "$KNOBS" >"$SSH_LAB/up.conf"
trap - EXIT
T_END=$(now_ms)
log "up: ${#ALL[@]} hosts in $((T_END - T0)) ms (prepare $((T_PREP - T0)), network $((T_NET - T_PREP)), start $((T_START - T_NET)), files $((T_END - T_START)))"
log "hosts: $SSH_LAB/hosts.json; env: . $SSH_LAB/env; try: ssh -F $SSH_LAB/ssh_config ${ALL[0]} id"
