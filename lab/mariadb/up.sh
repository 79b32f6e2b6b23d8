#!/usr/bin/env bash
# Start the lab's own MariaDB: own datadir, own cnf, 127.0.0.1 only.
# Knobs: LAB_DIR (default /tmp/runbook-lab), MARIADB_PORT (default 23306).
# State: $LAB_DIR/mariadb/{data,run,my.cnf,mariadbd.pid,mariadbd.log,env,rbtest.password}
set -euo pipefail

# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
MARIADB_PORT=${MARIADB_PORT:-$(lab_port 23306)}
STATE="$LAB_DIR/mariadb"
CNF="$STATE/my.cnf"
PIDF="$STATE/mariadbd.pid"
LOG="$STATE/log/mariadbd.log"   # written by mysql
OUT="$STATE/mariadbd.out"
SOCK="$STATE/run/mysqld.sock"
WAIT=${MARIADB_WAIT:-60}

say() { printf 'mariadb: %s\n' "$*"; }
die() { printf 'mariadb: ERROR: %s\n' "$*" >&2; exit 1; }

port_busy() { # port -> 0 when something listens on 127.0.0.1/0.0.0.0/:: port
  ss -Hltn "sport = :$1" | grep -q .
}

running() {
  [[ -s "$PIDF" ]] || return 1
  local pid; pid=$(cat "$PIDF")
  kill -0 "$pid" 2>/dev/null && [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == *mariadbd* ]]
}

[[ $EUID -eq 0 ]] || die "run as root"

# --- install what is missing ------------------------------------------------
mkdir -p "$LAB_DIR"
need=()
for p in mariadb-server mariadb-client iproute2; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  say "installing ${need[*]}"
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
    apt-get update -q -o DPkg::Lock::Timeout=900 >/dev/null || die "apt-get update failed"
  fi
  t0=$SECONDS
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 "${need[@]}" >"$LAB_DIR/mariadb-apt.log" 2>&1 \
    || { tail -20 "$LAB_DIR/mariadb-apt.log" >&2; die "apt-get install failed"; }
  say "installed in $((SECONDS - t0)) s"
fi
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[[ -x "$MARIADBD" ]] || die "mariadbd not found"

mkdir -p "$STATE/run" "$STATE/tmp" "$STATE/log"
chmod 0755 "$LAB_DIR" "$STATE" 2>/dev/null || true

if running; then
  say "already running (pid $(cat "$PIDF"), port $(sed -n 's/^port *= *//p' "$CNF" | head -1))"
  [[ -s "$STATE/env" ]] && exit 0
else
  port_busy "$MARIADB_PORT" && die "port $MARIADB_PORT is busy (set MARIADB_PORT)"

  cat >"$CNF" <<CNF
[mysqld]
user = mysql
datadir = $STATE/data
socket = $SOCK
pid-file = $STATE/run/mariadbd.pid
port = $MARIADB_PORT
bind-address = 127.0.0.1
tmpdir = $STATE/tmp
log-error = $LOG
skip-name-resolve
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
# a lab: trade crash safety for speed (the OpenStack db_syncs are DDL-heavy)
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0
performance_schema = OFF
max_connections = 200
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci

[client]
socket = $SOCK
port = $MARIADB_PORT
CNF
  chown -R mysql:mysql "$STATE/run" "$STATE/tmp" "$STATE/log"

  if [[ ! -d "$STATE/data/mysql" ]]; then
    say "initialising datadir"
    mkdir -p "$STATE/data"; chown mysql:mysql "$STATE/data"
    mariadb-install-db --defaults-file="$CNF" --user=mysql --auth-root-authentication-method=socket \
      --skip-test-db >"$STATE/install-db.log" 2>&1 || { tail -20 "$STATE/install-db.log" >&2; die "mariadb-install-db failed"; }
  fi
  chown -R mysql:mysql "$STATE/data"

  say "starting on 127.0.0.1:$MARIADB_PORT"
  t0=$SECONDS
  rm -f "$PIDF"
  # mariadbd does not daemonise itself; detach it from this shell.
  setsid "$MARIADBD" --defaults-file="$CNF" </dev/null >>"$OUT" 2>&1 &
  pid=$!
  ok=
  for ((i = 0; i < WAIT * 5; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if [[ -S "$SOCK" ]] && mariadb --defaults-file="$CNF" --protocol=socket -uroot -e 'SELECT 1' >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.2
  done
  if [[ -z $ok ]]; then
    tail -n 30 "$LOG" "$OUT" >&2 || true
    kill "$pid" 2>/dev/null || true
    die "mariadbd did not come up within ${WAIT}s"
  fi
  echo "$pid" >"$PIDF"   # ours (root-owned); mariadbd writes run/mariadbd.pid too
  say "up in $((SECONDS - t0)) s (pid $pid)"
fi

# --- test user ----------------------------------------------------------------
PWF="$STATE/rbtest.password"
if [[ ! -s "$PWF" ]]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$PWF")
fi
chmod 0600 "$PWF"
PW=$(cat "$PWF")
mariadb --defaults-file="$CNF" --protocol=socket -uroot <<SQL
CREATE USER IF NOT EXISTS 'rbtest'@'127.0.0.1' IDENTIFIED BY '$PW';
CREATE USER IF NOT EXISTS 'rbtest'@'localhost' IDENTIFIED BY '$PW';
ALTER USER 'rbtest'@'127.0.0.1' IDENTIFIED BY '$PW';
ALTER USER 'rbtest'@'localhost' IDENTIFIED BY '$PW';
GRANT ALL PRIVILEGES ON \`rbtest%\`.* TO 'rbtest'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`rbtest%\`.* TO 'rbtest'@'localhost';
FLUSH PRIVILEGES;
SQL

cat >"$STATE/env" <<ENV
# written by lab/mariadb/up.sh
LAB_MYSQL_HOST=127.0.0.1
LAB_MYSQL_PORT=$MARIADB_PORT
LAB_MYSQL_USER=rbtest
LAB_MYSQL_PASSWORD_FILE=$PWF
LAB_MYSQL_SOCKET=$SOCK
LAB_MYSQL_CNF=$CNF
# root: unix_socket auth as OS root, e.g. mariadb --defaults-file=$CNF -uroot
LAB_MYSQL_ROOT_ACCESS=unix_socket
LAB_MYSQL_ROOT_CMD="mariadb --defaults-file=$CNF --protocol=socket -uroot"
LAB_MYSQL_PID_FILE=$PIDF
ENV
say "env written to $STATE/env (user rbtest, databases rbtest%)"
