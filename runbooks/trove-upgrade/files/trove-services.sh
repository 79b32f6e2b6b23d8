#!/bin/sh
# What serves Trove on this controller, and whether it runs what is installed.
#
#   trove-services.sh state   MANAGER PATH... -- SERVICE...
#   trove-services.sh restart MANAGER API_URL TIMEOUT_S -- SERVICE...
#
# MANAGER is systemd (SERVICE = unit: apache2, devstack@tr-cond ...) or a
# container runtime, docker or podman (SERVICE = container: trove_api ...).
#
# state prints one JSON object, changing nothing:
#   {"installed_at": T, "services": {"S": {"active": true, "since": T, "stale": false}}, "stale": ["S"]}
# installed_at is the newest change time (ctime, which no package manager
# or checkout can set back) of PATH...: a file or symlink itself, a folder
# the newest file under it. A service is stale when it is not running or
# started before installed_at: it runs older code or config than what is
# installed (needrestart's rule for interpreted code). For containers
# installed_at also takes the image: a container whose image is not the one
# its image name points at now is stale too (kolla: pulled, not redeployed).
#
# restart restarts the SERVICEs, waits until each runs and stays up for 3 s
# (a bad option makes an oslo.config service exit right after start), then
# until API_URL (this controller's own Trove API; "" to skip) answers 200 or
# 300, within TIMEOUT_S in all. Exit 1 with the reason otherwise.
set -eu

die() { printf '%s\n' "$*" >&2; exit 1; }
now() { date +%s; }

# Names end up in JSON and on command lines: keep them to what units and
# containers are called.
check_name() {
	case $1 in
	'' | *[!A-Za-z0-9@._:-]*) die "not a service name: $1" ;;
	esac
}

newest_ctime() { # PATH -> epoch seconds (0 when missing)
	if [ -d "$1" ] && [ ! -L "$1" ]; then
		find "$1" -type f -printf '%C@\n' 2>/dev/null | sort -n | tail -n 1 | cut -d. -f1
	elif [ -e "$1" ] || [ -L "$1" ]; then
		stat -c %Z -- "$1"
	else
		echo 0
	fi
}

# since SERVICE -> epoch seconds it entered its running state (0: not running)
since() {
	case $manager in
	systemd)
		st=$(systemctl show -p ActiveState --value -- "$1")
		[ "$st" = active ] || { echo 0; return; }
		ts=$(systemctl show -p ActiveEnterTimestamp --timestamp=unix --value -- "$1" 2>/dev/null || true)
		case $ts in
		@*) echo "${ts#@}" ;;
		*) # systemd before 248: monotonic microseconds since boot
			mono=$(systemctl show -p ActiveEnterTimestampMonotonic --value -- "$1")
			up=$(cut -d. -f1 /proc/uptime)
			echo $(($(now) - up + mono / 1000000)) ;;
		esac ;;
	docker | podman)
		[ "$("$manager" inspect -f '{{.State.Running}}' -- "$1" 2>/dev/null)" = true ] || { echo 0; return; }
		date -d "$("$manager" inspect -f '{{.State.StartedAt}}' -- "$1")" +%s ;;
	*) die "unknown service manager $manager (systemd, docker, podman)" ;;
	esac
}

# image_stale CONTAINER -> 0 (true) when the container runs another image
# than its image name points at now
image_stale() {
	want=$("$manager" image inspect -f '{{.Id}}' -- "$("$manager" inspect -f '{{.Config.Image}}' -- "$1")" 2>/dev/null || true)
	have=$("$manager" inspect -f '{{.Image}}' -- "$1" 2>/dev/null || true)
	[ -n "$want" ] && [ "$want" != "$have" ]
}

cmd=${1:-}
manager=${2:-}
[ -n "$cmd" ] && [ -n "$manager" ] || die "usage: trove-services.sh state|restart MANAGER ... -- SERVICE..."
shift 2

case $cmd in
state)
	installed=0
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		t=$(newest_ctime "$1")
		[ "${t:-0}" -gt "$installed" ] && installed=$t
		shift
	done
	[ "${1:-}" = -- ] && shift
	out="" stale=""
	for s in "$@"; do
		check_name "$s"
		t=$(since "$s")
		is_stale=false
		if [ "$t" -eq 0 ] || [ "$t" -lt "$installed" ]; then is_stale=true; fi
		if [ "$manager" != systemd ] && [ "$t" -ne 0 ] && image_stale "$s"; then is_stale=true; fi
		active=true
		[ "$t" -eq 0 ] && active=false
		out="$out${out:+,}\"$s\":{\"active\":$active,\"since\":$t,\"stale\":$is_stale}"
		[ $is_stale = true ] && stale="$stale${stale:+,}\"$s\""
	done
	# Every Trove server process on the host, whatever serves it: one that
	# started before installed_at runs old code, listed in SERVICE or not
	# (a forgotten apache2 whose mod_wsgi daemon serves the API).
	# (The bracketed letters keep grep from matching its own command line;
	# etimes is whole seconds, so a process is stale only when it started
	# over a second before the newest install.)
	procs=""
	t0=$(now)
	ps -eo pid=,etimes=,args= | grep -E '(^|[/ ])[t]rove-(api|conductor|taskmanager|wsgi|api-wsgi)( |$)|\([w]sgi:trove' |
		while read -r pid et args; do
			st=$((t0 - et))
			if [ $((st + 1)) -lt "$installed" ]; then
				printf '{"pid":%s,"started":%s,"command":"%s"},' "$pid" "$st" "$(printf '%s' "$args" | cut -c1-120 | tr -d '\n' | tr -c 'A-Za-z0-9@._:/ =()-' '?')"
			fi
		done >"${TMPDIR:-/tmp}/trove-services.$$" || true
	procs=$(sed 's/,$//' "${TMPDIR:-/tmp}/trove-services.$$")
	rm -f "${TMPDIR:-/tmp}/trove-services.$$"
	printf '{"installed_at":%s,"services":{%s},"stale":[%s],"stale_processes":[%s]}\n' "$installed" "$out" "$stale" "$procs"
	;;
restart)
	url=${1:-}
	timeout=${2:-180}
	shift 2
	[ "${1:-}" = -- ] && shift
	[ $# -gt 0 ] || die "restart: no services"
	for s in "$@"; do check_name "$s"; done
	deadline=$(($(now) + timeout))
	case $manager in
	systemd) systemctl restart -- "$@" ;;
	*) "$manager" restart -- "$@" >/dev/null ;;
	esac
	for s in "$@"; do
		first=0
		while :; do
			t=$(since "$s")
			if [ "$t" -ne 0 ] && [ "$t" = "$first" ] && [ $(($(now) - t)) -ge 3 ]; then break; fi
			first=$t
			[ "$(now)" -lt "$deadline" ] || die "$s did not come up and stay up within ${timeout}s after the restart"
			sleep 1
		done
		echo "$s: running since $(date -d "@$t" '+%F %T')"
	done
	if [ -n "$url" ]; then
		while :; do
			code=$(curl -s -o /dev/null -m 10 -w '%{http_code}' -- "$url" 2>/dev/null || true)
			case $code in 200 | 300) break ;; esac
			[ "$(now)" -lt "$deadline" ] || die "the Trove API at $url did not answer within ${timeout}s after the restart (last answer: ${code:-none})"
			sleep 1
		done
		echo "API $url: $code"
	fi
	;;
*) die "unknown command $cmd (state, restart)" ;;
esac
