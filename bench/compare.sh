#!/usr/bin/env bash
# Compare runbook with the floor (one x/crypto/ssh connection per host, a
# session per command), ansible-playbook (pipelining) and ansible + Mitogen on
# the same real sshd hosts, and print a markdown table on stdout.
#
#   bench/compare.sh             # 20 hosts x 20 tasks, then 200 hosts x 5 tasks
#
# The hosts come from lab/ssh/up.sh, started in a lab folder of its own
# (BENCH_LAB_DIR, default /tmp/runbook-bench) so the test lab is not touched:
# loopback sshd with a stock .bashrc, host keys checked, KexAlgorithms pinned
# to curve25519-sha256. The bench lab is taken down at the end unless it was
# already up or KEEP_LAB=1.
#
# Knobs: RUNS (3, the median run by wall time is shown), HOSTS_BIG (200),
# TASKS_BIG (5), BENCH_LAB_DIR, BENCH_BASE_PORT (24201), SKIP_ANSIBLE=1,
# KEEP_LAB=1.
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
HOSTS_SMALL=20
TASKS_SMALL=20
HOSTS_BIG=${HOSTS_BIG:-200}
TASKS_BIG=${TASKS_BIG:-5}
BENCH_LAB_DIR=${BENCH_LAB_DIR:-/tmp/runbook-bench}
BENCH_BASE_PORT=${BENCH_BASE_PORT:-24201}
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
((HOSTS_BIG >= HOSTS_SMALL)) || die "HOSTS_BIG must be >= $HOSTS_SMALL"

WORK=$(mktemp -d /tmp/runbook-compare.XXXXXX)
LAB_STARTED=0
cleanup() {
	stop_masters
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
	if (cd "$REPO" && "$GO" build -o /tmp/runbook ./cmd/runbook) >&2; then
		RUNBOOK=/tmp/runbook
	else
		log "runbook does not build: its rows are skipped"
	fi
else
	log "cmd/runbook does not exist: its rows are skipped"
fi

# runbook exits 2 when it changed something (as every `true` does).
# shellcheck disable=SC2016 # $0 and $@ belong to the inner sh
RB_RUN=(/bin/sh -c '"$0" "$@"; rc=$?; [ "$rc" -eq 2 ] && exit 0; exit "$rc"' "$RUNBOOK")

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
		printf 'defaults {\n  user = "rb"\n  private_key = "%s"\n  known_hosts = "%s"\n  host_key_checking = "strict"\n}\n' \
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

# measure LABEL HOSTSFILE CMD...: RUNS runs; prints the median run (by wall) as
# "label wall client_cpu maxrss_kib machine_cpu connections".
measure() {
	local label=$1 hostsfile=$2 r out c0 c1 a0 a1 hz
	shift 2
	hz=$(getconf CLK_TCK)
	: >"$WORK/runs"
	for ((r = 1; r <= RUNS; r++)); do
		stop_masters
		rm -rf "$WORK/cp" && mkdir -p "$WORK/cp"
		a0=$(accepted "$hostsfile")
		c0=$(machine_cpu)
		if ! /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >"$WORK/out" 2>&1; then
			tail -20 "$WORK/out" >&2
			die "$label: run $r failed"
		fi
		c1=$(machine_cpu)
		sleep 0.3 # sshd logs the last lines a moment later
		a1=$(accepted "$hostsfile")
		read -r wall u s rss <"$WORK/time"
		out=$(awk -v w="$wall" -v u="$u" -v s="$s" -v m="$rss" -v c=$((c1 - c0)) -v hz="$hz" -v a=$((a1 - a0)) \
			'BEGIN{printf "%.2f %.2f %d %.2f %d", w, u+s, m, c/hz, a}')
		log "$label run $r: wall client_cpu rss_kib machine_cpu connections = $out"
		printf '%s\n' "$out" >>"$WORK/runs"
	done
	printf '%s %s\n' "$label" "$(sort -n "$WORK/runs" | sed -n "$(((RUNS + 1) / 2))p")"
}

results=$WORK/results
: >"$results"

# --- 20 x 20 --------------------------------------------------------------------
make_inputs "$HOSTS_SMALL" "$TASKS_SMALL"
S=$WORK/$HOSTS_SMALL
log "$HOSTS_SMALL hosts x $TASKS_SMALL tasks"
measure "floor" "$S/hosts" "$WORK/floor" -hosts "$LAB/hosts.json" -key "$LAB/id_ed25519" \
	-known-hosts "$LAB/known_hosts" -max-hosts "$HOSTS_SMALL" -n "$TASKS_SMALL" >>"$results"
if [[ -n $RUNBOOK ]]; then
	measure "runbook" "$S/hosts" "${RB_RUN[@]}" run --no-color -i "$S/inventory.hcl" "$S/rb" >>"$results" ||
		die "runbook failed"
fi
if [[ $SKIP_ANSIBLE != 1 ]]; then
	cfg=$(ansible_cfg "$HOSTS_SMALL" ssh)
	measure "ansible-pipelining" "$S/hosts" env ANSIBLE_CONFIG="$cfg" ansible-playbook "$S/playbook.yml" >>"$results"
	cfg=$(ansible_cfg "$HOSTS_SMALL" mitogen)
	measure "ansible-mitogen" "$S/hosts" env ANSIBLE_CONFIG="$cfg" ansible-playbook "$S/playbook.yml" >>"$results"
fi

# --- 200 x 5 ----------------------------------------------------------------------
make_inputs "$HOSTS_BIG" "$TASKS_BIG"
B=$WORK/$HOSTS_BIG
log "$HOSTS_BIG hosts x $TASKS_BIG tasks"
measure "floor-big" "$B/hosts" "$WORK/floor" -hosts "$LAB/hosts.json" -key "$LAB/id_ed25519" \
	-known-hosts "$LAB/known_hosts" -max-hosts "$HOSTS_BIG" -n "$TASKS_BIG" >>"$results"
if [[ -n $RUNBOOK ]]; then
	measure "runbook-big" "$B/hosts" "${RB_RUN[@]}" run --no-color --forks "$HOSTS_BIG" -i "$B/inventory.hcl" "$B/rb" >>"$results"
fi

# --- table ------------------------------------------------------------------------
awk -v small="$HOSTS_SMALL hosts x $TASKS_SMALL tasks of true" -v big="$HOSTS_BIG hosts x $TASKS_BIG tasks of true" \
	-v runs="$RUNS" -v have_rb="${RUNBOOK:+1}" -v have_ans="$([[ $SKIP_ANSIBLE == 1 ]] || echo 1)" '
function row(name, k, floor) {
	printf "| %s | %.2f s | %.2f s | %.2f s | %d MiB | %d | %.1fx | %.1fx |\n", name, wall[k], cpu[k], mcpu[k], rss[k] / 1024, conn[k],
		wall[k] / wall[floor], (cpu[floor] > 0 ? cpu[k] / cpu[floor] : 0)
}
{ wall[$1] = $2; cpu[$1] = $3; rss[$1] = $4; mcpu[$1] = $5; conn[$1] = $6 }
END {
	printf "Median of %d runs. Machine: %s\n\n", runs, MACHINE
	hdr = "| what | wall | client CPU | machine CPU | peak RSS | SSH connections | wall vs floor | client CPU vs floor |\n|---|---|---|---|---|---|---|---|\n"
	printf "**%s**\n\n%s", small, hdr
	row("floor: x/crypto/ssh, 1 connection/host, all sessions at once", "floor", "floor")
	if (have_rb) row("runbook run (tasks in order, depends_on chain)", "runbook", "floor")
	else print "| runbook | (skipped: cmd/runbook missing or not building) | | | | | | |"
	if (have_ans) {
		row("ansible-playbook, pipelining, forks 20", "ansible-pipelining", "floor")
		row("ansible-playbook + Mitogen (mitogen_linear), forks 20", "ansible-mitogen", "floor")
	} else print "| ansible | (skipped: SKIP_ANSIBLE=1) | | | | | | |"
	printf "\n**%s**\n\n%s", big, hdr
	row("floor", "floor-big", "floor-big")
	if (have_rb) row("runbook run --forks " HOSTS_BIG, "runbook-big", "floor-big")
}' MACHINE="$(nproc) cores, $(uname -r), $(ssh -V 2>&1 | cut -d, -f1) sshd, $(dpkg-query -W -f='ansible-core ${Version}' ansible-core 2>/dev/null || echo no ansible)" \
	HOSTS_BIG="$HOSTS_BIG" "$results"
