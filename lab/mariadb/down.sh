#!/usr/bin/env bash
# Stop the lab MariaDB by its recorded PID. --purge also removes its state.
set -euo pipefail
# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
STATE="$LAB_DIR/mariadb"
PIDF="$STATE/mariadbd.pid"
say() { printf 'mariadb: %s\n' "$*"; }

if [[ -s "$PIDF" ]]; then
  pid=$(cat "$PIDF")
  if kill -0 "$pid" 2>/dev/null && [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == *mariadbd* ]]; then
    say "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then say "still alive after 30 s, KILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  else
    say "pid $pid not running"
  fi
  rm -f "$PIDF"
else
  say "not running (no pid file)"
fi
if [[ "${1:-}" == --purge ]]; then
  say "purging $STATE"
  rm -rf "$STATE"
fi
