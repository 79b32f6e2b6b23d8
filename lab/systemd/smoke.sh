#!/usr/bin/env bash
# Smoke test of a running systemd lab (lab/systemd/up.sh), over OpenSSH with
# StrictHostKeyChecking=yes and the lab's known_hosts. Leaves the hosts as it
# found them (rb-ok restarted, rb-fail/rb-flap reset).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/systemd/common.sh
. "$here/common.sh"

[[ -r $STATE/env ]] || die "no $STATE/env: is the lab up (lab/systemd/up.sh)?"
# shellcheck disable=SC1091
. "$STATE/env"
IFS=, read -r -a names <<<"$LAB_SYSTEMD_HOSTS"
IFS=, read -r -a addrs <<<"$LAB_SYSTEMD_ADDRESSES"

# One reused connection per host (ControlMaster), closed on exit.
ctl=$(mktemp -d /tmp/rblab-smoke.XXXXXX)
LAB_SSH_EXTRA="-o ControlMaster=auto -o ControlPath=$ctl/%h -o ControlPersist=60"
cleanup() {
  for a in "${addrs[@]}"; do
    if [[ -S $ctl/$a ]]; then ssh -o ControlPath="$ctl/$a" -O exit "$a" 2>/dev/null || true; fi
  done
  rm -rf "$ctl"
}
trap cleanup EXIT

failures=0
ok() { printf '  ok   %s\n' "$*"; }
bad() {
  printf '  FAIL %s\n' "$*"
  failures=$((failures + 1))
}
r() { lab_ssh "$addr" "$@"; } # run on the current host

# Services that may be running inside; anything else (keystone, mariadb,
# apache2, ... copied from this machine) is an error.
allowed='^(ssh|rb-ok|rb-reload|devstack@[A-Za-z0-9_-]+|dbus|systemd-[a-z-]+)\.service$'

t0=$(date +%s.%N)
for idx in "${!names[@]}"; do
  name=${names[$idx]} addr=${addrs[$idx]}
  echo "$name ($addr)"

  state=$(r systemctl is-system-running || true)
  if [[ $state == running || $state == degraded ]]; then ok "is-system-running: $state"; else bad "is-system-running: '$state'"; fi

  n=$(r "systemctl list-units 'devstack@tr-*' --no-legend --plain --state=running | wc -l")
  if [[ $n == 3 ]]; then ok "devstack@tr-* matches $n running units"; else bad "devstack@tr-* matches $n running units (want 3)"; fi

  before=$(r systemctl show rb-ok -p ActiveEnterTimestamp -p ActiveEnterTimestampMonotonic --value | tr '\n' ' ')
  sleep 1 # ActiveEnterTimestamp has a resolution of 1 s
  r systemctl restart rb-ok
  after=$(r systemctl show rb-ok -p ActiveEnterTimestamp -p ActiveEnterTimestampMonotonic --value | tr '\n' ' ')
  if [[ $before != "$after" && $(r systemctl is-active rb-ok) == active ]]; then
    ok "restart rb-ok: ActiveEnterTimestamp ${before% * } -> ${after% * }"
  else
    bad "restart rb-ok: ActiveEnterTimestamp unchanged ($before)"
  fi

  c0=$(r 'cat /run/rb-reload.count 2>/dev/null | wc -l')
  r systemctl reload rb-reload
  c1=$(r 'cat /run/rb-reload.count 2>/dev/null | wc -l')
  if ((c1 == c0 + 1)); then ok "reload rb-reload: /run/rb-reload.count $c0 -> $c1 lines"; else bad "reload rb-reload: count $c0 -> $c1"; fi

  if out=$(r systemctl start rb-fail 2>&1); then
    bad "start rb-fail succeeded"
  else
    ok "start rb-fail fails: ${out%%$'\n'*}"
  fi
  line=$(r journalctl -u rb-fail -n 20 --no-pager -o cat | grep -m1 'rb-fail: cannot open /etc/rb-fail.conf' || true)
  if [[ -n $line ]]; then ok "journalctl -u rb-fail: $line"; else bad "journalctl -u rb-fail lacks 'rb-fail: cannot open /etc/rb-fail.conf'"; fi
  r systemctl reset-failed rb-fail

  r systemctl start rb-flap
  s1=$(r systemctl is-active rb-flap || true)
  sleep 3
  s2=$(r systemctl is-active rb-flap || true)
  if [[ $s1 == active && $s2 == failed ]]; then ok "rb-flap: $s1, 3 s later $s2"; else bad "rb-flap: $s1, 3 s later $s2 (want active, failed)"; fi
  r systemctl reset-failed rb-flap

  en=$(r systemctl is-enabled rb-disabled || true) act=$(r systemctl is-active rb-disabled || true)
  if [[ $en == disabled && $act == inactive ]]; then ok "rb-disabled: $en, $act"; else bad "rb-disabled: $en, $act"; fi

  running=$(r systemctl list-units --type=service --state=running --no-legend --plain | awk '{print $1}')
  extra=$(grep -Ev "$allowed" <<<"$running" || true)
  for u in keystone.service mariadb.service apache2.service; do
    [[ $(r systemctl is-active "$u" || true) == active ]] && extra+=" $u"
  done
  if [[ -z ${extra// /} ]]; then ok "no unit of this machine runs inside ($(wc -l <<<"$running") services running, all lab/systemd ones)"; else bad "unexpected running units: $extra"; fi
done

# Containers do not share cgroups: stopping rb-ok on the first host leaves the others'.
if ((${#names[@]} > 1)); then
  echo "isolation"
  addr=${addrs[0]}
  r systemctl stop rb-ok
  others=""
  for a in "${addrs[@]:1}"; do others+="$(lab_ssh "$a" systemctl is-active rb-ok || true) "; done
  r systemctl start rb-ok
  if [[ $others != *inactive* && $others != *failed* ]]; then ok "stop rb-ok on ${names[0]}: others stay ${others% }"; else bad "stop rb-ok on ${names[0]} stopped others: $others"; fi
fi

secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
if ((failures)); then
  die "smoke: $failures check(s) failed (${secs}s)"
fi
say "smoke: all checks passed on ${#names[@]} host(s) (${secs}s)"
