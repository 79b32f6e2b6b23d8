#!/usr/bin/env bash
# measure.sh: real memory (PSS, MiB) of every process of the dev-mode lab, by
# part: each recorded PID's process group, and each guest (agent + mariadbd).
# Prints the load average too: figures on a shared machine need it.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/trove-standins/lib.sh
. "$HERE/lib.sh"
pss() { # PID...: summed PSS in MiB
  local kb=0 p v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) && kb=$((kb + ${v:-0}))
  done
  awk -v k="$kb" 'BEGIN {printf "%.1f", k / 1024}'
}
group() { ps -eo pid=,pgid= | awk -v g="$1" '$2 == g {print $1}'; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in "$PIDS"/*.pid; do
  [[ -e $f ]] || continue
  name=$(basename "$f" .pid)
  pid_alive "$name" || continue
  # shellcheck disable=SC2046
  printf '%-16s %6s MiB\n' "$name" "$(pss $(group "$(cat "$f")"))"
done
for f in "$COMPUTE_DIR"/servers/*/guest.pid; do
  [[ -s $f ]] || continue
  read -r pid _ <"$f"
  kill -0 "$pid" 2>/dev/null || continue
  sid=$(basename "$(dirname "$f")")
  agent=$(pss "$pid")
  # shellcheck disable=SC2046
  db=$(pss $(group "$pid" | grep -vx "$pid"))
  printf 'guest %-10s agent %5s MiB  mariadbd %5s MiB\n' "${sid:0:8}" "$agent" "$db"
done
