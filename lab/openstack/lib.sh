# shellcheck shell=bash disable=SC2034
# Helpers shared by lab/openstack/{up,down,smoke}.sh. Sourced, not run.

# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
OS_STATE="$LAB_DIR/openstack"
PIDS="$OS_STATE/pids"
SECRETS="$OS_STATE/secrets"
LOGS="$OS_STATE/log"
PY=/usr/bin/python3

say() { printf 'openstack: %s\n' "$*"; }
die() { printf 'openstack: ERROR: %s\n' "$*" >&2; exit 1; }

# port_busy PORT: true when anything listens on that TCP port (any address).
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

# pid_alive NAME: the process recorded in $PIDS/NAME.pid is running.
pid_alive() {
  local f="$PIDS/$1.pid" pid
  [[ -s "$f" ]] || return 1
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against PID reuse: the recorded start time must match
  if [[ -s "$PIDS/$1.start" ]]; then
    [[ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" == "$(cat "$PIDS/$1.start")" ]] || return 1
  fi
}

# record_pid NAME PID
record_pid() {
  echo "$2" >"$PIDS/$1.pid"
  awk '{print $22}' "/proc/$2/stat" >"$PIDS/$1.start" 2>/dev/null || true
}

# stop_pid NAME: TERM, wait up to 15 s, then KILL; also the process group
# (the services are started with setsid, so the group is theirs alone).
stop_pid() {
  local name=$1 pid i
  if ! pid_alive "$name"; then
    rm -f "$PIDS/$name.pid" "$PIDS/$name.start"
    return 0
  fi
  pid=$(cat "$PIDS/$name.pid")
  say "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 75; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name still alive after 15 s: KILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  # stray children of the group (uwsgi workers, eventlet forks)
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$PIDS/$name.pid" "$PIDS/$name.start"
}

# secret NAME: print the secret stored in $SECRETS/NAME, creating it (0600) first.
secret() {
  local f="$SECRETS/$1"
  if [[ ! -s "$f" ]]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 24 >"$f")
  fi
  chmod 0600 "$f"
  cat "$f"
}

# wait_http NAME URL SECONDS LOGFILE: wait until URL answers with any HTTP status < 500.
wait_http() {
  local name=$1 url=$2 secs=$3 log=$4 code i t0=$SECONDS
  for ((i = 0; i < secs * 5; i++)); do
    if ! pid_alive "$name"; then
      say "$name died; last lines of $log:"; tail -n 40 "$log" >&2 || true
      die "$name did not start"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    if [[ "$code" =~ ^[1-4][0-9][0-9]$ ]]; then
      say "$name answers at $url (HTTP $code) after $((SECONDS - t0)) s"
      return 0
    fi
    sleep 0.2
  done
  say "$name not answering at $url within ${secs}s; last lines of $log:"; tail -n 40 "$log" >&2 || true
  die "$name did not come up"
}

# start_bg NAME LOGFILE CMD...: start CMD detached in its own session, record its PID.
start_bg() {
  local name=$1 log=$2; shift 2
  setsid "$@" </dev/null >>"$log" 2>&1 &
  record_pid "$name" "$!"
}

# synced NAME PKG: true when NAME's database was migrated by the installed version of PKG
# (a stamp file keeps the next up fast: db_sync of an up-to-date schema still costs seconds).
synced() { [[ -s "$OS_STATE/$1.synced" && "$(cat "$OS_STATE/$1.synced")" == "$(dpkg-query -W -f='${Version}' "$2")" ]]; }
mark_synced() { dpkg-query -W -f='${Version}' "$2" >"$OS_STATE/$1.synced"; }
