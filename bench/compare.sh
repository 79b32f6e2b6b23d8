#!/usr/bin/env bash
# Compare runbook with the floors (one x/crypto/ssh connection per host),
# ansible-playbook (pipelining) and ansible + Mitogen on the same real hosts,
# side by side in one run, and print markdown tables on stdout:
#
#   (a) 20 hosts x 20 chained tasks of `true` (loopback sshd hosts): both
#       floors (sessions one after another per host, and all at once),
#       runbook, ansible-playbook, Mitogen;
#   (b) a realistic mixed runbook (file, template, ini, lineinfile, command
#       with creates, systemd) over the systemd lab's 20 hosts behind the
#       latency lab's proxies at 0, 25 and 100 ms round trip, first run and
#       second run: runbook, ansible-playbook, Mitogen, and a floor that does
#       each task in one round trip (bench/floor -mode shell);
#   (c) HOSTS_BIG (1,000) hosts x TASKS_BIG (5) tasks: floors and runbook,
#       with peak RSS, and the memory of the sshd hosts.
#
#   bench/compare.sh
#
# The hosts come from lab/ssh/up.sh, started in a lab folder of its own
# (BENCH_LAB_DIR, default /tmp/runbook-bench) so the test lab is not touched:
# loopback sshd with a stock .bashrc, host keys checked, KexAlgorithms pinned
# to curve25519-sha256. The bench lab is taken down at the end unless it was
# already up or KEEP_LAB=1.
#
# Knobs: RUNS (3: rounds of (c), runs of (a)'s ansible rows; the median
# run by wall time is shown, with the median client CPU; RUNS_SMALL, 9,
# rounds of (a); in a round the floors and runbook take turns, one run
# each; RUNS_MIXED, 1, for (b)), HOSTS_BIG (1000), TASKS_BIG (5), RTTS ("0 25 100"), BENCH_LAB_DIR,
# BENCH_BASE_PORT (the slot's first loopback sshd port + 100), SKIP_ANSIBLE=1,
# SKIP_MIXED=1, SKIP_BIG=1, MIXED_HOSTS (20), KEEP_LAB=1. (b) needs the slot's systemd lab
# with 20 hosts and the latency lab up (make bench starts them).
#
# Columns: wall time; client CPU = user+sys of the command and the children it
# waited for (/usr/bin/time); machine CPU = all CPU time spent on the machine
# during the run (/proc/stat: client, sshd hosts and everything else), which
# also counts what escapes the client's rusage, such as OpenSSH ControlPersist
# masters that ansible leaves running; peak RSS of the client; SSH
# connections = "Accepted publickey" lines the hosts logged during the run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
RUNS_SMALL=${RUNS_SMALL:-9}
HOSTS_SMALL=20
TASKS_SMALL=20
HOSTS_BIG=${HOSTS_BIG:-1000}
TASKS_BIG=${TASKS_BIG:-5}
RUNS_MIXED=${RUNS_MIXED:-1}
RTTS=${RTTS:-0 25 100}
SKIP_MIXED=${SKIP_MIXED:-0}
SKIP_BIG=${SKIP_BIG:-0}
MIXED_HOSTS=${MIXED_HOSTS:-20}
# shellcheck source=lab/slot.sh
. "$REPO/lab/slot.sh"
BENCH_LAB_DIR=${BENCH_LAB_DIR:-/tmp/runbook-bench${LAB_SLOT#0}}
SLOT_LAB_DIR=$LAB_DIR # the slot's own lab: systemd hosts and latency proxies for (b)
BENCH_BASE_PORT=${BENCH_BASE_PORT:-$(($(lab_ssh_base_port) + 100))}
SKIP_ANSIBLE=${SKIP_ANSIBLE:-0}
KEEP_LAB=${KEEP_LAB:-0}
LAB=$BENCH_LAB_DIR/ssh
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

log() { printf 'compare: %s\n' "$*" >&2; }
die() {
	printf 'compare: ERROR: %s\n' "$*" >&2
	exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (the lab starts sshd hosts)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
[[ $RUNS_SMALL =~ ^[1-9][0-9]*$ ]] || die "RUNS_SMALL must be a positive number"
((HOSTS_BIG >= HOSTS_SMALL)) || die "HOSTS_BIG must be >= $HOSTS_SMALL"

WORK=$(mktemp -d /tmp/runbook-compare.XXXXXX)
LAB_STARTED=0
cleanup() {
	if declare -F stop_masters >/dev/null; then stop_masters; fi
	if ((LAB_STARTED)) && [[ $KEEP_LAB != 1 ]]; then
		log "taking the bench lab down"
		LAB_DIR=$BENCH_LAB_DIR "$REPO/lab/ssh/down.sh" >&2 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# --- tools --------------------------------------------------------------------
need_pkgs=()
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
if [[ $SKIP_ANSIBLE != 1 ]]; then
	dpkg -s ansible-core >/dev/null 2>&1 || need_pkgs+=(ansible-core)
	dpkg -s ansible-mitogen >/dev/null 2>&1 || need_pkgs+=(ansible-mitogen)
fi
if ((${#need_pkgs[@]})); then
	log "installing ${need_pkgs[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 "${need_pkgs[@]}" >&2
fi
MITOGEN_STRATEGY=/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy

log "building the floor"
(cd "$REPO" && "$GO" build -o "$WORK/floor" ./bench/floor) || die "go build ./bench/floor failed"
RUNBOOK=""
if [[ -d $REPO/cmd/runbook ]]; then
	log "building runbook"
	if (cd "$REPO" && "$GO" build -o "$WORK/runbook" ./cmd/runbook) >&2; then
		RUNBOOK=$WORK/runbook
	else
		log "runbook does not build: its rows are skipped"
	fi
else
	log "cmd/runbook does not exist: its rows are skipped"
fi

# runbook exits 2 when it changed something (as every `true` does).
# shellcheck disable=SC2016 # $0 and $@ belong to the inner sh
RB_RUN=(/bin/sh -c '"$0" "$@"; rc=$?; [ "$rc" -eq 2 ] && exit 0; exit "$rc"' "$RUNBOOK")
# The same, where a run that changes nothing (exit 0) is fine too.
# shellcheck disable=SC2016
RB_RUN_ANY=(/bin/sh -c '"$0" "$@"; rc=$?; [ "$rc" -eq 2 ] && exit 0; exit "$rc"' "$RUNBOOK")

# --- hosts --------------------------------------------------------------------
if [[ -r $LAB/up.conf ]] && grep -q "SSH_HOSTS=$HOSTS_BIG " "$LAB/up.conf"; then
	log "bench lab at $LAB: checking it is up"
else
	LAB_STARTED=1
fi
LAB_DIR=$BENCH_LAB_DIR SSH_HOSTS=$HOSTS_BIG SSH_BASE_PORT=$BENCH_BASE_PORT SSH_NETNS_HOSTS=0 SSH_JUMP=0 \
	"$REPO/lab/ssh/up.sh" >&2 || die "lab/ssh/up.sh failed"
[[ -r $LAB/hosts.json ]] || die "no $LAB/hosts.json"

# hosts N: the first N loopback hosts as "name address port user log" lines.
hosts() {
	/usr/bin/python3 - "$LAB/hosts.json" "$1" <<'EOF'
import json, sys
hs = [h for h in json.load(open(sys.argv[1])) if not h["netns"] and not h["jump"]][: int(sys.argv[2])]
if len(hs) < int(sys.argv[2]):
    sys.exit("only %d loopback hosts in the bench lab" % len(hs))
for h in hs:
    print(h["name"], h["address"], h["port"], h["user"], h["log"])
EOF
}

# make_inputs N TASKS: inventories (runbook HCL, ansible INI), a runbook and a
# playbook of TASKS chained tasks of `true` over N hosts, in $WORK/N.
make_inputs() {
	local n=$1 tasks=$2 d=$WORK/$1 i prev
	mkdir -p "$d/rb"
	hosts "$n" >"$d/hosts"
	{
		# connect_timeout as the floor's (30 s): with 1,000 hosts starting
		# at once on 2 cores, the hosts' sshd and the client share the CPU
		# and a handshake can take more than the default 10 s.
		printf 'defaults {\n  user = "rb"\n  private_key = "%s"\n  known_hosts = "%s"\n  host_key_checking = "strict"\n  connect_timeout = "30s"\n}\n' \
			"$LAB/id_ed25519" "$LAB/known_hosts"
		printf 'group "bench" {}\n'
		while read -r name addr port _ _; do
			printf 'host "%s" {\n  address = "%s"\n  port = %s\n  groups = ["bench"]\n}\n' "$name" "$addr" "$port"
		done <"$d/hosts"
	} >"$d/inventory.hcl"
	{
		printf '[bench]\n'
		while read -r name addr port user _; do
			printf '%s ansible_host=%s ansible_port=%s ansible_user=%s ansible_ssh_private_key_file=%s\n' \
				"$name" "$addr" "$port" "$user" "$LAB/id_ed25519"
		done <"$d/hosts"
	} >"$d/inventory.ini"
	{
		printf 'runbook {\n  description = "%s tasks of true, in order"\n}\n' "$tasks"
		prev=""
		for ((i = 1; i <= tasks; i++)); do
			printf 'task "t%02d" {\n  hosts = group.bench\n  command {\n    argv = ["true"]\n  }\n' "$i"
			[[ -z $prev ]] || printf '  depends_on = [task.%s]\n' "$prev"
			printf '}\n'
			prev=$(printf 't%02d' "$i")
		done
	} >"$d/rb/main.hcl"
	{
		printf -- '- hosts: bench\n  gather_facts: false\n  tasks:\n'
		for ((i = 1; i <= tasks; i++)); do
			printf '    - name: t%02d\n      ansible.builtin.command: /bin/true\n' "$i"
		done
	} >"$d/playbook.yml"
}

# ansible_cfg N STRATEGY: an ansible.cfg like the lab's, pipelining on, forks 20.
ansible_cfg() {
	local n=$1 strategy=$2 f=$WORK/$1/ansible-$2.cfg
	{
		printf '[defaults]\ninventory = %s\nhost_key_checking = True\ninterpreter_python = /usr/bin/python3\n' "$WORK/$n/inventory.ini"
		printf 'retry_files_enabled = False\nforks = 20\ngathering = explicit\n'
		if [[ $strategy == mitogen ]]; then
			printf 'strategy_plugins = %s\nstrategy = mitogen_linear\n' "$MITOGEN_STRATEGY"
		fi
		printf '\n[ssh_connection]\npipelining = True\ncontrol_path_dir = %s/cp\n' "$WORK"
		printf 'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes\n' \
			"$LAB/known_hosts"
	} >"$f"
	printf '%s\n' "$f"
}

# stop_masters: end the OpenSSH ControlPersist masters ansible left, so the
# next run starts cold like the others.
stop_masters() {
	local s
	for s in "$WORK"/cp/*; do
		[[ -S $s ]] || continue
		ssh -o ControlPath="$s" -O exit bench >/dev/null 2>&1 || true
	done
}

machine_cpu() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }

accepted() {
	local n=0 c f
	while read -r _ _ _ _ f; do
		c=$(grep -c "Accepted publickey" "$f" 2>/dev/null || true)
		n=$((n + ${c:-0}))
	done <"$1"
	printf '%s\n' "$n"
}

# run_once LABEL HOSTSFILE CMD...: one run, appended to $WORK/runs.LABEL as
# "wall client_cpu maxrss_kib machine_cpu connections".
run_once() {
	local label=$1 hostsfile=$2 out c0 c1 a0 a1 hz
	shift 2
	hz=$(getconf CLK_TCK)
	stop_masters
	rm -rf "$WORK/cp" && mkdir -p "$WORK/cp"
	a0=$(accepted "$hostsfile")
	c0=$(machine_cpu)
	if ! /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >"$WORK/out" 2>&1; then
		tail -20 "$WORK/out" >&2
		die "$label: run failed"
	fi
	c1=$(machine_cpu)
	sleep 0.3 # sshd logs the last lines a moment later
	a1=$(accepted "$hostsfile")
	read -r wall u s rss < <(tail -1 "$WORK/time")
	out=$(awk -v w="$wall" -v u="$u" -v s="$s" -v m="$rss" -v c=$((c1 - c0)) -v hz="$hz" -v a=$((a1 - a0)) \
		'BEGIN{printf "%.2f %.2f %d %.2f %d", w, u+s, m, c/hz, a}')
	log "$label: wall client_cpu rss_kib machine_cpu connections = $out"
	printf '%s\n' "$out" >>"$WORK/runs.$label"
}

# median_of LABEL: the median run of LABEL by wall time, as
# "label wall client_cpu maxrss_kib machine_cpu connections", with its
# client CPU replaced by the median client CPU of all its runs (wall and
# CPU move apart on a shared machine).
median_of() {
	local n
	n=$(wc -l <"$WORK/runs.$1")
	printf '%s %s\n' "$1" "$(paste <(sort -n "$WORK/runs.$1") <(awk '{print $2}' "$WORK/runs.$1" | sort -n) |
		sed -n "$(((n + 1) / 2))p" | awk '{print $1, $6, $3, $4, $5}')"
}

# measure LABEL HOSTSFILE CMD...: RUNS runs one after another; prints the
# median (median_of).
measure() {
	local label=$1 r
	rm -f "$WORK/runs.$label"
	for ((r = 1; r <= RUNS; r++)); do
		run_once "$@"
	done
	median_of "$label"
}

# take_turns ROUNDS SUFFIX DIR HOSTS TASKS [RUNBOOK_FLAG...]: ROUNDS rounds
# in which the floors (all at once, one after another, one after another
# with `exec true`) and runbook take turns, one run each, so that what else
# the machine does at a moment weighs on all of them alike; prints their
# medians (median_of), labelled floor, floor-seq, floor-seq-exec, runbook
# plus SUFFIX. `exec true`: the login shell execs /usr/bin/true, as runbook
# (argv ["true"]) and Ansible (/bin/true) must; `true` alone is bash's
# builtin.
take_turns() {
	local rounds=$1 sfx=$2 dir=$3 n=$4 tasks=$5 r l
	shift 5
	for ((r = 1; r <= rounds; r++)); do
		run_once "floor$sfx" "$dir/hosts" "${FLOOR[@]}" -max-hosts "$n" -n "$tasks"
		run_once "floor-seq$sfx" "$dir/hosts" "${FLOOR[@]}" -mode sequential -max-hosts "$n" -n "$tasks"
		run_once "floor-seq-exec$sfx" "$dir/hosts" "${FLOOR[@]}" -mode sequential -cmd "exec true" -max-hosts "$n" -n "$tasks"
		if [[ -n $RUNBOOK ]]; then
			run_once "runbook$sfx" "$dir/hosts" "${RB_RUN[@]}" run --no-color "$@" -i "$dir/inventory.hcl" "$dir/rb"
		fi
	done
	for l in floor floor-seq floor-seq-exec ${RUNBOOK:+runbook}; do
		median_of "$l$sfx"
	done
}

results=$WORK/results
: >"$results"

# --- (a) 20 x 20 -----------------------------------------------------------------
make_inputs "$HOSTS_SMALL" "$TASKS_SMALL"
S=$WORK/$HOSTS_SMALL
FLOOR=("$WORK/floor" -hosts "$LAB/hosts.json" -key "$LAB/id_ed25519" -known-hosts "$LAB/known_hosts")
log "(a) $HOSTS_SMALL hosts x $TASKS_SMALL tasks, $RUNS_SMALL rounds"
take_turns "$RUNS_SMALL" "" "$S" "$HOSTS_SMALL" "$TASKS_SMALL" >>"$results"
if [[ $SKIP_ANSIBLE != 1 ]]; then
	cfg=$(ansible_cfg "$HOSTS_SMALL" ssh)
	measure "ansible-pipelining" "$S/hosts" env ANSIBLE_CONFIG="$cfg" ansible-playbook "$S/playbook.yml" >>"$results"
	cfg=$(ansible_cfg "$HOSTS_SMALL" mitogen)
	measure "ansible-mitogen" "$S/hosts" env ANSIBLE_CONFIG="$cfg" ansible-playbook "$S/playbook.yml" >>"$results"
fi

# --- (b) the mixed runbook over 20 systemd hosts at 0, 25, 100 ms -------------------
mixed_results=$WORK/mixed-results
: >"$mixed_results"
if [[ $SKIP_MIXED != 1 ]]; then
	SD=$SLOT_LAB_DIR/systemd
	LT=$SLOT_LAB_DIR/latency
	[[ -r $LT/hosts.json ]] || die "(b) needs the latency lab: lab/up.sh systemd latency (SYSTEMD_HOSTS=20), or SKIP_MIXED=1"
	M=$WORK/mixed
	mkdir -p "$M/rb" "$M/templates"
	jq '[.[] | select(.part == "systemd")]' "$LT/hosts.json" >"$M/hosts.json"
	nm=$(jq length "$M/hosts.json")
	((nm >= MIXED_HOSTS)) || die "(b) wants $MIXED_HOSTS systemd hosts behind the proxies, $LT/hosts.json has $nm (SYSTEMD_HOSTS=$MIXED_HOSTS lab/up.sh systemd latency)"
	jq -r ".[:$MIXED_HOSTS][] | [.name, .address, (.port|tostring)] | @tsv" "$M/hosts.json" >"$M/hosts.tsv"
	{
		printf 'defaults {\n  user = "root"\n  private_key = "%s"\n  known_hosts = "%s"\n  host_key_checking = "strict"\n}\n' "$SD/id_ed25519" "$LT/known_hosts"
		printf 'group "bench" {}\n'
		while IFS=$'\t' read -r name addr port; do
			printf 'host "%s" {\n  address = "%s"\n  port = %s\n  groups = ["bench"]\n}\n' "$name" "$addr" "$port"
		done <"$M/hosts.tsv"
	} >"$M/inventory.hcl"
	{
		printf '[bench]\n'
		while IFS=$'\t' read -r name addr port; do
			printf '%s ansible_host=%s ansible_port=%s ansible_user=root ansible_ssh_private_key_file=%s\n' "$name" "$addr" "$port" "$SD/id_ed25519"
		done <"$M/hosts.tsv"
	} >"$M/inventory.ini"
	cp "$REPO/bench/mixed/main.hcl" "$M/rb/main.hcl"
	cp "$REPO/bench/mixed/app.conf.tpl" "$M/rb/app.conf.tpl"
	cp "$REPO/bench/mixed/app.conf.j2" "$M/templates/app.conf.j2"
	cp "$REPO/bench/mixed/playbook.yml" "$M/playbook.yml"
	cp "$REPO/bench/mixed/floor-tasks.sh" "$M/floor-tasks.sh"
	for strategy in ssh mitogen; do
		{
			printf '[defaults]\ninventory = %s\nhost_key_checking = True\ninterpreter_python = /usr/bin/python3\n' "$M/inventory.ini"
			printf 'retry_files_enabled = False\nforks = 20\ngathering = explicit\n'
			[[ $strategy != mitogen ]] || printf 'strategy_plugins = %s\nstrategy = mitogen_linear\n' "$MITOGEN_STRATEGY"
			printf '\n[ssh_connection]\npipelining = True\ncontrol_path_dir = %s/cp\n' "$WORK"
			printf 'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes\n' "$LT/known_hosts"
		} >"$M/ansible-$strategy.cfg"
	done
	# reset: the hosts as before a first run (no /etc/rb-bench, rb-disabled
	# stopped), over the proxies with the floor's shell (not measured).
	printf 'rm -rf /etc/rb-bench; systemctl stop rb-disabled\n' >"$M/reset.sh"
	MFLOOR=("$WORK/floor" -mode shell -all -hosts "$M/hosts.json" -key "$SD/id_ed25519" -known-hosts "$LT/known_hosts" -max-hosts "$MIXED_HOSTS")
	reset_hosts() { "${MFLOOR[@]}" -tasks "$M/reset.sh" >/dev/null 2>&1 || die "resetting the mixed hosts failed"; }
	# mixed LABEL CMD...: first run (after a reset) and second run, RUNS_MIXED times.
	mixed() {
		local label=$1 r
		shift
		for r in first second; do
			: >"$WORK/mruns"
			for ((i = 1; i <= RUNS_MIXED; i++)); do
				[[ $r == second ]] || reset_hosts
				[[ $r == first ]] || "$@" >/dev/null 2>&1 || true # the state a second run finds
				stop_masters
				rm -rf "$WORK/cp" && mkdir -p "$WORK/cp"
				if ! /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >"$WORK/out" 2>&1; then
					tail -20 "$WORK/out" >&2
					die "(b) $label $r run failed"
				fi
				read -r wall u s rss <"$WORK/time"
				awk -v w="$wall" -v u="$u" -v s="$s" -v m="$rss" 'BEGIN{printf "%.2f %.2f %d\n", w, u+s, m}' >>"$WORK/mruns"
			done
			printf '%s %s %s %s\n' "$rtt" "$label" "$r" "$(sort -n "$WORK/mruns" | sed -n "$(((RUNS_MIXED + 1) / 2))p")" >>"$mixed_results"
			log "(b) +$rtt ms $label $r: $(tail -1 "$mixed_results")"
		done
	}
	for rtt in $RTTS; do
		"$REPO/lab/latency/ctl.sh" set "$rtt" >&2
		mixed floor "${MFLOOR[@]}" -tasks "$M/floor-tasks.sh"
		[[ -z $RUNBOOK ]] || mixed runbook "${RB_RUN_ANY[@]}" run --no-color -i "$M/inventory.hcl" "$M/rb"
		if [[ $SKIP_ANSIBLE != 1 ]]; then
			mixed ansible-pipelining env ANSIBLE_CONFIG="$M/ansible-ssh.cfg" ansible-playbook "$M/playbook.yml"
			mixed ansible-mitogen env ANSIBLE_CONFIG="$M/ansible-mitogen.cfg" ansible-playbook "$M/playbook.yml"
		fi
	done
	"$REPO/lab/latency/ctl.sh" set 0 >&2
fi

# --- (c) HOSTS_BIG x TASKS_BIG ------------------------------------------------------------
sshd_mem=""
if [[ $SKIP_BIG != 1 ]]; then
	make_inputs "$HOSTS_BIG" "$TASKS_BIG"
	B=$WORK/$HOSTS_BIG
	log "(c) $HOSTS_BIG hosts x $TASKS_BIG tasks, $RUNS rounds"
	take_turns "$RUNS" -big "$B" "$HOSTS_BIG" "$TASKS_BIG" --forks "$HOSTS_BIG" >>"$results"
	# The hosts' own memory: PSS of every sshd listener of the bench lab.
	sshd_mem=$(jq -r '.[] | select(.pid > 0) | .pid' "$LAB/hosts.json" | while read -r pid; do
		awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null
	done | awk '{s += $1; n++} END {printf "%d sshd listeners: %.0f MiB PSS in all (%.2f MiB each)", n, s / 1024, (n ? s / 1024 / n : 0)}')
fi

# --- tables -------------------------------------------------------------------------------
printf 'Machine: %s; load average at the end: %s\n\n' \
	"$(nproc) cores, $(uname -r), $(ssh -V 2>&1 | cut -d, -f1) sshd, $(dpkg-query -W -f='ansible-core ${Version}' ansible-core 2>/dev/null || echo no ansible)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
awk -v small="(a) $HOSTS_SMALL hosts x $TASKS_SMALL tasks of true, chained" -v big="(c) $HOSTS_BIG hosts x $TASKS_BIG tasks of true, chained" \
	-v runs="$RUNS" -v runs_small="$RUNS_SMALL" -v skipbig="$SKIP_BIG" -v have_rb="${RUNBOOK:+1}" -v have_ans="$([[ $SKIP_ANSIBLE == 1 ]] || echo 1)" '
function row(name, k, floor, seq) {
	if (!(k in wall)) return
	printf "| %s | %.2f s | %.2f s | %.2f s | %d MiB | %d | %.2fx | %.2fx | %.1fx |\n", name, wall[k], cpu[k], mcpu[k], rss[k] / 1024, conn[k],
		wall[k] / wall[seq], (cpu[seq] > 0 ? cpu[k] / cpu[seq] : 0), wall[k] / wall[floor]
}
{ wall[$1] = $2; cpu[$1] = $3; rss[$1] = $4; mcpu[$1] = $5; conn[$1] = $6 }
END {
	printf "(a): median of %d rounds, (c): of %d rounds, the floors and runbook taking turns. Wall: the median run by wall time; client CPU: the median of all runs.\n\n", runs_small, runs
	hdr = "| what | wall | client CPU | machine CPU | peak RSS | SSH connections | wall vs floor, one after another | client CPU vs that floor | wall vs floor, all at once |\n|---|---|---|---|---|---|---|---|---|\n"
	printf "**%s**\n\n%s", small, hdr
	row("floor: x/crypto/ssh, 1 connection/host, all sessions at once", "floor", "floor", "floor-seq")
	row("floor: x/crypto/ssh, 1 connection/host, sessions one after another", "floor-seq", "floor", "floor-seq")
	row("floor: the same, each session `exec true` (execs /usr/bin/true like runbook and Ansible)", "floor-seq-exec", "floor", "floor-seq")
	if (have_rb) row("runbook run (depends_on chain)", "runbook", "floor", "floor-seq")
	if (have_ans) {
		row("ansible-playbook, pipelining, forks 20", "ansible-pipelining", "floor", "floor-seq")
		row("ansible-playbook + Mitogen (mitogen_linear), forks 20", "ansible-mitogen", "floor", "floor-seq")
	}
	if (skipbig != 1) {
		printf "\n**%s**\n\n%s", big, hdr
		row("floor, all at once", "floor-big", "floor-big", "floor-seq-big")
		row("floor, one after another", "floor-seq-big", "floor-big", "floor-seq-big")
		row("floor, one after another, `exec true`", "floor-seq-exec-big", "floor-big", "floor-seq-big")
		if (have_rb) row("runbook run --forks " HOSTS_BIG, "runbook-big", "floor-big", "floor-seq-big")
	}
}' HOSTS_BIG="$HOSTS_BIG" "$results"
[[ -z $sshd_mem ]] || printf '\nHosts: %s.\n' "$sshd_mem"
if [[ -s $mixed_results ]]; then
	printf '\n**(b) mixed runbook (6 tasks: file, template, ini, lineinfile, command with creates, systemd), %s systemd hosts behind toxiproxy, median of %s**\n\n' "$MIXED_HOSTS" "$RUNS_MIXED"
	awk '
	{ k = $1 SUBSEP $2 SUBSEP $3; wall[k] = $4; cpu[k] = $5; rss[k] = $6; if (!($1 in seen)) { seen[$1] = 1; rtts[++nr] = $1 } if (!($2 in seenl)) { seenl[$2] = 1; labels[++nl] = $2 } }
	END {
		printf "| round trip | what | first run | second run | first vs floor | second vs floor | client CPU (first) | peak RSS |\n|---|---|---|---|---|---|---|---|\n"
		for (i = 1; i <= nr; i++) for (j = 1; j <= nl; j++) {
			r = rtts[i]; l = labels[j]; f = r SUBSEP l SUBSEP "first"; s = r SUBSEP l SUBSEP "second"
			if (!(f in wall)) continue
			ff = r SUBSEP "floor" SUBSEP "first"; fs = r SUBSEP "floor" SUBSEP "second"
			printf "| +%s ms | %s | %.2f s | %.2f s | %.2fx | %.2fx | %.2f s | %d MiB |\n", r, l, wall[f], wall[s], wall[f] / wall[ff], wall[s] / wall[fs], cpu[f], rss[f] / 1024
		}
	}' "$mixed_results"
fi
