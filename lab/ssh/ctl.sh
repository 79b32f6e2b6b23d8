#!/usr/bin/env bash
# Failure injection for the SSH lab.
#   ctl.sh stop NAME      kill the host's sshd listener (its pid file); open sessions live on
#   ctl.sh start NAME     start it again with the same config (a namespace host keeps its files)
#   ctl.sh crash NAME     SIGKILL the listener and every session under it (connections drop)
#   ctl.sh freeze NAME    SIGSTOP the listener and all its session children: the host stops
#                         answering, TCP connections stay open
#   ctl.sh thaw NAME      SIGCONT what freeze stopped
#   ctl.sh linkdown NAME  namespace hosts: ip link set <root-side veth> down
#   ctl.sh linkup NAME    ... and up again
#   ctl.sh pid NAME       print the listener pid (empty if not running)
#   ctl.sh status         one line per host
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

cmd=${1:-}
name=${2:-}
[[ -n $cmd ]] || usage
[[ $cmd == status || -n $name ]] || usage
[[ $cmd == status ]] || load_meta "$name"

case $cmd in
stop)
	need_root
	pid=$(host_pid "$name")
	if [[ -z $pid ]]; then
		log "$name: not running"
		exit 0
	fi
	kill -CONT "$pid" 2>/dev/null || true
	kill -TERM "$pid"
	for _ in $(seq 50); do
		pid_alive "$pid" || break
		sleep 0.05
	done
	! pid_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
	rm -f "$SSH_LAB/pids/$name.pid"
	write_hosts_json
	log "$name: stopped sshd $pid"
	;;
start)
	need_root
	pid=$(host_pid "$name")
	if [[ -n $pid ]]; then
		log "$name: already running (pid $pid)"
		exit 0
	fi
	if [[ $H_KIND == loopback ]] && listening_ports | grep -qx "$H_PORT"; then
		die "$name: port $H_PORT is taken by another process: $(ss -Hltnp "( sport = :$H_PORT )")"
	fi
	[[ $H_KIND == loopback || -e /run/netns/$H_NETNS ]] || die "$name: network namespace $H_NETNS is gone; run up.sh"
	start_host "$name"
	wait_listening "$name"
	write_hosts_json
	log "$name: started sshd $(<"$SSH_LAB/pids/$name.pid")"
	;;
crash)
	need_root
	pid=$(host_pid "$name")
	if [[ -z $pid ]]; then
		log "$name: not running"
		exit 0
	fi
	mapfile -t tree < <(descendants "$pid")
	kill -KILL "${tree[@]}" 2>/dev/null || true
	rm -f "$SSH_LAB/pids/$name.pid"
	write_hosts_json
	log "$name: killed ${#tree[@]} process(es) (sshd $pid and its sessions)"
	;;
freeze)
	need_root
	pid=$(host_pid "$name")
	[[ -n $pid ]] || die "$name: not running"
	mkdir -p "$SSH_LAB/frozen"
	# Parents first so nobody forks a fresh, unfrozen child meanwhile; a
	# second pass catches children born during the first.
	all=()
	for _ in 1 2; do
		mapfile -t tree < <(descendants "$pid")
		kill -STOP "${tree[@]}" 2>/dev/null || true
		all+=("${tree[@]}")
	done
	printf '%s\n' "${all[@]}" | sort -un >>"$SSH_LAB/frozen/$name"
	log "$name: froze $(sort -u "$SSH_LAB/frozen/$name" | wc -l) process(es) (sshd $pid and its sessions)"
	;;
thaw)
	need_root
	pid=$(host_pid "$name")
	pids=()
	[[ -r $SSH_LAB/frozen/$name ]] && mapfile -t pids <"$SSH_LAB/frozen/$name"
	[[ -z $pid ]] || mapfile -t -O "${#pids[@]}" pids < <(descendants "$pid")
	# Children first, the listener last.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -CONT "${pids[i]}" 2>/dev/null || true; done
	rm -f "$SSH_LAB/frozen/$name"
	log "$name: thawed"
	;;
linkdown | linkup)
	need_root
	[[ $H_KIND == netns ]] || die "$name is a loopback host; linkdown/linkup work on namespace hosts (use freeze/stop)"
	state=${cmd#link}
	ip link set "$H_VETH" "$state"
	log "$name: link $H_VETH $state"
	;;
pid)
	host_pid "$name"
	;;
status)
	while read -r n; do
		load_meta "$n"
		pid=$(host_pid "$n")
		st=running
		[[ -n $pid ]] || st=stopped
		[[ -z $pid || ! -r $SSH_LAB/frozen/$n ]] || st=frozen
		if [[ $H_KIND == netns ]] && ip link show "$H_VETH" 2>/dev/null | grep -q 'state DOWN'; then st+=",linkdown"; fi
		printf '%-8s %-8s %s:%s pid=%s\n' "$n" "$st" "$H_ADDR" "$H_PORT" "${pid:--}"
	done < <(host_names)
	;;
*) usage ;;
esac
