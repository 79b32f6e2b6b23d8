#!/usr/bin/env bash
# Stop the SSH lab: kill exactly the sshd processes it recorded (and their
# session children, and whatever runs inside the lab's own network
# namespaces), unmount its tmpfs roots, delete its namespaces, veths, bridges
# and route. Keeps the rb user, the keys, the host keys and the logs.
# Succeeds when nothing is up.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root
lab_lock
T0=$(now_ms)
if [[ ! -d $SSH_LAB ]]; then
	log "down: nothing to do ($SSH_LAB does not exist)"
	exit 0
fi
NET_LIST=$SSH_LAB/net.list

# Does this lab own the namespace part? Another LAB_DIR's lab may own it; then
# nothing of it is touched here.
OWNER=$(net_owner)
OWN_NET=0
[[ $OWNER == "$SSH_LAB" ]] && OWN_NET=1

# Lab namespaces: those recorded by up.sh, plus (only if this lab owns the
# namespace part) any left with the lab's reserved names if the record was lost.
lab_netns() {
	((OWN_NET)) || return 0
	{
		[[ -r $NET_LIST ]] && awk '$1 == "netns" {print $2}' "$NET_LIST"
		ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^rb(n[0-9]+|jump|inner[0-9]+)$'
	} | sort -u | while read -r ns; do
		[[ -e /run/netns/$ns ]] && printf '%s\n' "$ns"
	done
	return 0
}
mapfile -t NSS < <(lab_netns)

# --- processes ---------------------------------------------------------------
roots=()
n_sshd=0
for pidf in "$SSH_LAB"/pids/*.pid; do
	[[ -e $pidf ]] || continue
	name=$(basename "$pidf" .pid)
	pid=$(<"$pidf")
	if [[ -r $(meta_file "$name") ]]; then
		load_meta "$name"
		if is_lab_sshd "$pid" "$H_CONF"; then
			roots+=("$pid")
			n_sshd=$((n_sshd + 1))
		fi
	fi
done
for ns in "${NSS[@]}"; do
	while read -r pid; do roots+=("$pid"); done < <(ip netns pids "$ns" 2>/dev/null)
done
targets=()
if ((${#roots[@]})); then
	mapfile -t targets < <(descendants "${roots[@]}")
fi
if ((${#targets[@]})); then
	# Audit trail: what is about to be stopped, and why it is ours.
	{
		printf '# %s down.sh: recorded listeners, their descendants, processes in the lab namespaces\n' "$(date -u +%FT%TZ)"
		ps -o pid=,ppid=,stat=,args= -p "$(
			IFS=,
			printf '%s' "${targets[*]}"
		)" 2>/dev/null || true
	} >>"$SSH_LAB/logs/down.log"
	# TERM first; CONT so that frozen (SIGSTOPped) hosts act on it.
	kill -TERM "${targets[@]}" 2>/dev/null || true
	kill -CONT "${targets[@]}" 2>/dev/null || true
	for _ in $(seq 30); do
		mapfile -t alive < <(alive_of "${targets[@]}")
		((${#alive[@]})) || break
		sleep 0.1
	done
	mapfile -t alive < <(alive_of "${targets[@]}")
	if ((${#alive[@]})); then
		log "down: SIGKILL ${#alive[@]} process(es) that ignored SIGTERM: ${alive[*]}"
		kill -KILL "${alive[@]}" 2>/dev/null || true
		sleep 0.2
	fi
fi
rm -f "$SSH_LAB"/pids/*.pid
rm -rf "$SSH_LAB/frozen"

# --- tmpfs roots of the namespace hosts --------------------------------------
n_mounts=0
if [[ -d $SSH_LAB/roots ]]; then
	for r in "$SSH_LAB"/roots/*; do
		[[ -d $r ]] || continue
		while mountpoint -q "$r"; do
			umount "$r" 2>/dev/null || umount -l "$r"
			n_mounts=$((n_mounts + 1))
		done
		rmdir "$r" 2>/dev/null || warn "could not remove $r"
	done
fi

# --- network -----------------------------------------------------------------
n_net=0
del_link() {
	if ip link show "$1" >/dev/null 2>&1; then
		ip link del "$1" && n_net=$((n_net + 1))
	fi
	return 0
}
if ((!OWN_NET)) && [[ -s $NET_LIST ]]; then
	warn "the namespace part is owned by ${OWNER:-nobody} (not $SSH_LAB); leaving it alone"
fi
if ((OWN_NET)) && [[ -r $NET_LIST ]]; then
	while read -r kind arg rest; do
		case $kind in
		route)
			# shellcheck disable=SC2086
			if ip route show $rest | grep -q .; then ip route del "$arg" $rest && n_net=$((n_net + 1)); fi
			;;
		link) del_link "$arg" ;;
		esac
	done < <(tac "$NET_LIST")
fi
for ns in "${NSS[@]}"; do
	ip netns del "$ns" && n_net=$((n_net + 1))
done
if ((OWN_NET)); then
	# Reserved lab names left behind by a lost record.
	for l in "${NSP}jumpi" "${NSP}jump" "$BR1" "$BR0"; do del_link "$l"; done
	if ip route show "$NET1.0/24" | grep -q '^unreachable'; then
		ip route del unreachable "$NET1.0/24" && n_net=$((n_net + 1))
	fi
	rm -f "$NET_OWNER_FILE"
fi

rm -f "$NET_LIST" "$SSH_LAB/up.conf" "$SSH_LAB/hosts.json" "$SSH_LAB/env" "$SSH_LAB/inventory.ini" \
	"$SSH_LAB/inventory.hcl" "$SSH_LAB/ansible.cfg" "$SSH_LAB/ssh_config" "$SSH_LAB/known_hosts" \
	"$SSH_LAB/known_hosts.wrong" "$SSH_LAB/hosts.order"
rm -rf "$SSH_LAB/hosts.d"
log "down: stopped $n_sshd sshd (${#targets[@]} processes), $n_mounts unmounts, $n_net network objects removed in $(($(now_ms) - T0)) ms"
