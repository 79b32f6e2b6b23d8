# shellcheck shell=bash disable=SC2034
# Shared helpers of the SSH lab (sourced by up.sh, down.sh, ctl.sh, smoke.sh).
# Everything the lab owns lives in $SSH_LAB; nothing here touches processes,
# namespaces or links that the lab did not record itself.

# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
SSH_LAB=$LAB_DIR/ssh
LAB_USER=rb
SSHD=/usr/sbin/sshd
# Bridges and subnets of the namespace hosts. rblab1 has no address in the
# root namespace: 10.232.0.0/24 is reachable only through the jump host.
BR0=${LAB_NET_PREFIX}lab0
BR1=${LAB_NET_PREFIX}lab1
NET0=10.231.$LAB_NET_OCTET
NET1=10.232.$LAB_NET_OCTET
# Namespaces and veths: ${NSP}n01, ${NSP}jump, ${NSP}inner1 (NSP = the slot's prefix).
NSP=$LAB_NET_PREFIX
JUMP_NAME=jump
INNER_NAME=inner1

# The namespace part uses fixed names (rblab0/1, rbnNN, rbjump, rbinner1), so
# only one lab (one LAB_DIR) can own it at a time; this file names the owner.
NET_OWNER_FILE=/run/runbook-lab-ssh-net.owner${LAB_SLOT#0}
# rb's sudo password is machine-wide (one user), shared by every LAB_DIR.
GLOBAL_PASSWORD_FILE=/var/lib/runbook-lab-ssh/become-password

LAB_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'ssh-lab: %s\n' "$*"; }
warn() { printf 'ssh-lab: WARNING: %s\n' "$*" >&2; }
die() {
	printf 'ssh-lab: ERROR: %s\n' "$*" >&2
	exit 1
}

need_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (it starts sshd, creates namespaces, a user and a sudoers drop-in)"
}

# lab_lock: serialize up.sh/down.sh (test packages may call them in parallel).
# Nested calls (up.sh running down.sh) see LAB_SSH_LOCKED and skip it.
lab_lock() {
	[[ -z ${LAB_SSH_LOCKED:-} ]] || return 0
	mkdir -p "$LAB_DIR"
	exec 9>"$LAB_DIR/.ssh-lab.lock"
	if ! flock -n 9; then
		log "waiting for another up.sh/down.sh to finish"
		flock -w "${LAB_LOCK_TIMEOUT:-300}" 9 || die "timed out waiting for $LAB_DIR/.ssh-lab.lock"
	fi
	export LAB_SSH_LOCKED=1
}

# net_owner prints the SSH lab dir that owns the namespace part (may be empty).
net_owner() {
	[[ -r $NET_OWNER_FILE ]] && cat "$NET_OWNER_FILE"
	return 0
}

# now_ms prints a monotonic-enough wall clock in milliseconds.
now_ms() { date +%s%3N; }

# pid_alive PID: the process exists and is not a zombie (PID 1 here may reap
# orphans late, so /proc/PID alone is not enough).
pid_alive() {
	local st
	st=$(awk '$1 == "State:" {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

# alive_of PID...: prints those of the given pids that are alive (not zombies),
# with one `ps` call.
alive_of() {
	(($#)) || return 0
	ps -o pid=,stat= -p "$(
		IFS=,
		printf '%s' "$*"
	)" 2>/dev/null | awk '$2 !~ /^[ZX]/ {print $1}'
	return 0
}

# meta_file NAME: per-host description written by up.sh, read by ctl.sh/down.sh.
meta_file() { printf '%s/hosts.d/%s.env' "$SSH_LAB" "$1"; }

# load_meta NAME sets H_NAME H_KIND H_ADDR H_PORT H_NETNS H_VETH H_CONF H_LOG H_JUMP H_ROOT.
load_meta() {
	local f
	f=$(meta_file "$1")
	[[ -r $f ]] || die "unknown host '$1' (no $f; is the lab up?)"
	H_NAME='' H_KIND='' H_ADDR='' H_PORT='' H_NETNS='' H_VETH='' H_CONF='' H_LOG='' H_JUMP='' H_ROOT=''
	# shellcheck disable=SC1090
	. "$f"
}

# host_names prints every host name the lab describes, in creation order.
host_names() {
	[[ -r $SSH_LAB/hosts.order ]] && cat "$SSH_LAB/hosts.order"
	return 0
}

# is_lab_sshd PID CONF: true when PID is alive and is the sshd listener started
# with config CONF (sshd rewrites its title to "sshd: /usr/sbin/sshd -D -f CONF
# ... [listener] ...", so the -f argument is still there).
is_lab_sshd() {
	local pid=$1 conf=$2 argv=()
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	# A zombie has an empty cmdline, so it never matches.
	mapfile -d "" -t argv <"/proc/$pid/cmdline" 2>/dev/null || return 1
	[[ " ${argv[*]} " == *"sshd"*" -f $conf "* ]]
}

# host_pid NAME prints the recorded listener pid if that process is still the
# lab's sshd for NAME; prints nothing otherwise.
host_pid() {
	local pidf=$SSH_LAB/pids/$1.pid pid
	[[ -r $pidf ]] || return 0
	pid=$(<"$pidf")
	load_meta "$1"
	if is_lab_sshd "$pid" "$H_CONF"; then
		printf '%s\n' "$pid"
	fi
}

# descendants PID...: prints the given pids and all their descendants, parents
# before children (one `ps` snapshot).
descendants() {
	ps -e -o pid=,ppid= | awk -v roots="$*" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			n = split(roots, q, " "); head = 1
			while (head <= n) {
				p = q[head++]; if (p == "" || seen[p]++) continue
				print p
				m = split(kids[p], k, " ")
				for (i = 1; i <= m; i++) q[++n] = k[i]
			}
		}'
}

# start_host NAME starts the host's sshd in the background and records its pid.
# Loopback hosts: plain sshd. Namespace hosts: sshd inside their network
# namespace, in a private mount + UTS namespace whose / is an overlay of this
# machine's / with the upper layer on the host's tmpfs ($H_ROOT).
start_host() {
	local name=$1 pid
	load_meta "$name"
	mkdir -p "$SSH_LAB/pids" "$SSH_LAB/boot"
	touch "$H_LOG"
	if [[ $H_KIND == loopback ]]; then
		setsid "$SSHD" -D -f "$H_CONF" -E "$H_LOG" </dev/null >/dev/null 2>&1 9>&- &
		pid=$!
	else
		# `ip netns exec`, `unshare` (no --fork), `sh -c 'exec chroot'` and
		# chroot all exec in place, so $! ends up being sshd itself.
		setsid ip netns exec "$H_NETNS" unshare --mount --uts --propagation private -- \
			/bin/sh -c "$NETNS_BOOT" netns-boot "$H_ROOT" "$SSH_LAB" "$H_LOG" "$H_CONF" "$H_NAME" "$SSHD" \
			</dev/null >"$SSH_LAB/boot/$name.log" 2>&1 9>&- &
		pid=$!
	fi
	printf '%s\n' "$pid" >"$SSH_LAB/pids/$name.pid"
}

# The boot script of a namespace host (runs as root inside the new mount/UTS
# namespace, still seeing the host's mounts). $1 root dir (a tmpfs mounted in
# the root namespace: upper/ work/ merged/ tmp/), $2 lab dir, $3 log file,
# $4 sshd config, $5 hostname, $6 sshd binary.
# shellcheck disable=SC2016
NETNS_BOOT='set -eu
R=$1 S=$2 LOG=$3 CONF=$4 HN=$5 SSHD=$6
M=$R/merged
mount -t overlay overlay -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$M"
mount -t proc proc "$M/proc"
mount --rbind /sys "$M/sys"
mount --rbind /dev "$M/dev"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$M/dev/shm"
mount -t tmpfs -o mode=0755,size=64m tmpfs "$M/run"
mkdir -m 0755 "$M/run/sshd"
mount --bind "$R/tmp" "$M/tmp"
mkdir -p "$M$S"
mount --bind "$S" "$M$S"
mount -o remount,bind,ro "$M$S"
mount --bind "$LOG" "$M$LOG"
hostname "$HN"
grep -q "[[:space:]]$HN\$" "$M/etc/hosts" || printf "127.0.1.1\t%s\n" "$HN" >>"$M/etc/hosts"
exec chroot "$M" "$SSHD" -D -f "$CONF" -E "$LOG"'

# listening_ports [NETNS]: the TCP ports with a listener (in NETNS if given).
listening_ports() {
	if [[ -n ${1:-} ]]; then
		ss -N "$1" -Hltn 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }'
	else
		ss -Hltn | awk '{ n = split($4, a, ":"); print a[n] }'
	fi
}

# wait_listening NAME... waits (up to LAB_START_TIMEOUT s, default 15 plus a
# second for every 25 hosts: 55 s for 1,000 on a busy machine) until
# every named host has its listener up; fails with the host's log otherwise.
wait_listening() {
	local deadline name pending=("$@") next ports pid
	local -A rebinds=()
	deadline=$(($(date +%s) + ${LAB_START_TIMEOUT:-$((15 + $# / 25))}))
	while ((${#pending[@]})); do
		next=()
		ports=" $(listening_ports | tr '\n' ' ') "
		for name in "${pending[@]}"; do
			load_meta "$name"
			pid=$(<"$SSH_LAB/pids/$name.pid")
			if ! pid_alive "$pid" && [[ $H_KIND == loopback ]] && ((${rebinds[$name]:-0} < 5)) &&
				grep -q "Address already in use" "$H_LOG" 2>/dev/null; then
				# The slot's ports lie inside the kernel's ephemeral range
				# (ip_local_port_range): an outgoing connection of anything
				# else on the machine can hold one for a moment. Try again.
				rebinds[$name]=$((${rebinds[$name]:-0} + 1))
				printf 'ssh-lab: %s: port %s busy, starting it again (%d)\n' "$name" "$H_PORT" "${rebinds[$name]}" >&2
				: >"$H_LOG"
				sleep 0.5
				start_host "$name"
				next+=("$name")
				continue
			fi
			if ! pid_alive "$pid"; then
				tail -n 5 "$H_LOG" "$SSH_LAB/boot/$name.log" >&2 2>/dev/null || true
				die "sshd of $name (pid $pid) exited during start; see $H_LOG"
			fi
			if [[ $H_KIND == loopback ]]; then
				[[ $ports == *" $H_PORT "* ]] || next+=("$name")
			else
				listening_ports "$H_NETNS" | grep -qx "$H_PORT" || next+=("$name")
			fi
		done
		pending=("${next[@]}")
		((${#pending[@]})) || break
		if (($(date +%s) >= deadline)); then
			die "sshd did not start listening in time: ${pending[*]} (see $SSH_LAB/logs)"
		fi
		sleep 0.05
	done
	for name in "$@"; do
		load_meta "$name"
		pid=$(<"$SSH_LAB/pids/$name.pid")
		is_lab_sshd "$pid" "$H_CONF" || die "pid $pid recorded for $name is not its sshd (cmdline: $(tr '\0' ' ' <"/proc/$pid/cmdline"))"
	done
}

# json_str VAR S: sets VAR to S as a JSON string (lab values hold no control characters).
json_str() {
	local s=${2//\\/\\\\}
	s=${s//\"/\\\"}
	printf -v "$1" '"%s"' "$s"
}

# write_hosts_json writes $SSH_LAB/hosts.json from the metadata and pid files.
write_hosts_json() {
	local name pid first=1 tmp jn ja ju jns jl jj
	tmp=$(mktemp "$SSH_LAB/.hosts.json.XXXXXX")
	chmod 0644 "$tmp"
	{
		printf '[\n'
		while read -r name; do
			load_meta "$name"
			pid=0
			if [[ -r $SSH_LAB/pids/$name.pid ]]; then
				pid=$(<"$SSH_LAB/pids/$name.pid")
				is_lab_sshd "$pid" "$H_CONF" || pid=0
			fi
			((first)) || printf ',\n'
			first=0
			json_str jn "$H_NAME"
			json_str ja "$H_ADDR"
			json_str ju "$LAB_USER"
			json_str jns "$H_NETNS"
			json_str jl "$H_LOG"
			json_str jj "$H_JUMP"
			printf '  {"name": %s, "address": %s, "port": %s, "user": %s, "netns": %s, "pid": %s, "log": %s, "jump": %s}' \
				"$jn" "$ja" "$H_PORT" "$ju" "$jns" "$pid" "$jl" "$jj"
		done < <(host_names)
		printf '\n]\n'
	} >"$tmp"
	mv "$tmp" "$SSH_LAB/hosts.json"
}
