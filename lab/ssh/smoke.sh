#!/usr/bin/env bash
# Smoke test of a running SSH lab with the OpenSSH client: every host from
# hosts.json answers `id -un` with strict host key checking (inner1 through
# the jump host), sudo works with the password on stdin and only with it, the
# wrong known_hosts is refused, the passphrase key works, inner1 cannot be
# reached directly, namespace hosts write into their own overlay only.
# Exits non-zero on any failure.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HJ=$SSH_LAB/hosts.json
KH=$SSH_LAB/known_hosts
KEY=$SSH_LAB/id_ed25519
[[ -r $HJ && -r $KH ]] || die "the lab is not up ($HJ missing); run lab/ssh/up.sh"
command -v jq >/dev/null || die "jq is missing (up.sh installs it)"
PW=$(<"$SSH_LAB/become_password")

fails=0
pass() { printf 'ok    %s\n' "$*"; }
fail() {
	printf 'FAIL  %s\n' "$*"
	fails=$((fails + 1))
}

# The explicit options of the brief; -F gives the ProxyJump child ssh the same
# key and known_hosts (ssh passes only -F/-l/-p to it, not -o/-i).
SSH=(ssh -F "$SSH_LAB/ssh_config" -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KH" -o BatchMode=yes -i "$KEY")

declare -A ADDR PORT JUMP NETNS
NAMES=()
while IFS='|' read -r n a p j ns; do
	NAMES+=("$n")
	ADDR[$n]=$a PORT[$n]=$p JUMP[$n]=$j NETNS[$n]=$ns
done < <(jq -r '.[] | [.name, .address, (.port|tostring), .jump, .netns] | join("|")' "$HJ")
((${#NAMES[@]})) || die "no hosts in $HJ"

# target NAME: the ssh arguments that reach NAME by address (jump if any).
target() {
	local n=$1 j=${JUMP[$1]}
	if [[ -n $j ]]; then
		printf '%s\n' -J "$LAB_USER@${ADDR[$j]}:${PORT[$j]}"
	fi
	printf '%s\n' -p "${PORT[$n]}" "$LAB_USER@${ADDR[$n]}"
}

# 1. every host: id -un, and sudo with the password on stdin.
for n in "${NAMES[@]}"; do
	mapfile -t T < <(target "$n")
	out=$(printf '%s\n' "$PW" | "${SSH[@]}" "${T[@]}" "id -un && sudo -S -p '' id -u" 2>&1) || true
	if [[ $out == $'rb\n0' ]]; then
		pass "$n (${ADDR[$n]}:${PORT[$n]}${JUMP[$n]:+ via ${JUMP[$n]}}): id -un = rb, sudo -S id -u = 0"
	else
		fail "$n: expected 'rb' and '0', got: $out"
	fi
done

first=${NAMES[0]}
ns_host=''
for n in "${NAMES[@]}"; do [[ -z ${NETNS[$n]} || -n ${JUMP[$n]} || $n == "$JUMP_NAME" ]] || {
	ns_host=$n
	break
}; done

# 2. sudo requires the password.
for n in "$first" $ns_host; do
	mapfile -t T < <(target "$n")
	if out=$("${SSH[@]}" "${T[@]}" 'sudo -n true' 2>&1 </dev/null); then
		fail "$n: sudo -n worked without a password"
	elif [[ $out == *"password is required"* ]]; then
		pass "$n: sudo without password refused ($out)"
	else
		fail "$n: sudo -n failed oddly: $out"
	fi
done

# 3. wrong known_hosts is refused.
for n in "$first" $ns_host ${JUMP[$INNER_NAME]:+$INNER_NAME}; do
	mapfile -t T < <(target "$n")
	if out=$(ssh -F "$SSH_LAB/ssh_config" -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KH.wrong" \
		-o BatchMode=yes -i "$KEY" "${T[@]}" true 2>&1); then
		fail "$n: connected despite the wrong known_hosts"
	elif [[ $out == *"IDENTIFICATION HAS CHANGED"* ]]; then
		pass "$n: wrong known_hosts refused (REMOTE HOST IDENTIFICATION HAS CHANGED)"
	else
		fail "$n: wrong known_hosts failed, but not with a key mismatch: $out"
	fi
done

# 4. the passphrase-protected key works (passphrase via SSH_ASKPASS).
askpass=$(mktemp)
trap 'rm -f "$askpass"' EXIT
printf '#!/bin/sh\ncat %q\n' "$SSH_LAB/id_ed25519_pass.passphrase" >"$askpass"
chmod 0700 "$askpass"
mapfile -t T < <(target "$first")
if out=$(SSH_ASKPASS=$askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w ssh -F /dev/null \
	-o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KH" -o IdentitiesOnly=yes -o PasswordAuthentication=no \
	-o KbdInteractiveAuthentication=no -i "$SSH_LAB/id_ed25519_pass" "${T[@]}" id -un 2>&1 </dev/null) && [[ $out == rb ]]; then
	pass "$first: passphrase key id_ed25519_pass accepted"
else
	fail "$first: passphrase key failed: $out"
fi

# 5. inner1 only through the jump host.
if [[ -n ${ADDR[$INNER_NAME]:-} ]]; then
	if out=$("${SSH[@]}" -o ConnectTimeout=3 -p 22 "$LAB_USER@${ADDR[$INNER_NAME]}" true 2>&1); then
		fail "$INNER_NAME: reachable directly from the root namespace"
	else
		pass "$INNER_NAME: direct connect fails ($out)"
	fi
	out=$("${SSH[@]}" -J "$LAB_USER@${ADDR[$JUMP_NAME]}" "$LAB_USER@${ADDR[$INNER_NAME]}" hostname 2>&1) || true
	if [[ $out == "$INNER_NAME" ]]; then
		pass "$INNER_NAME: ssh -J $LAB_USER@${ADDR[$JUMP_NAME]} works (hostname $out)"
	else
		fail "$INNER_NAME: ssh -J failed: $out"
	fi
fi

# 6. namespace hosts: own hostname, no default route, writes stay in the overlay.
if [[ -n $ns_host ]]; then
	mapfile -t T < <(target "$ns_host")
	f=rb-lab-smoke.$$
	out=$(printf '%s\n' "$PW" | "${SSH[@]}" "${T[@]}" "hostname; echo hi >/tmp/$f && sudo -S -p '' sh -c 'echo hi >/etc/$f; ip route show default | wc -l'" 2>&1) || true
	if [[ $out == "$ns_host"$'\n'0 ]]; then
		pass "$ns_host: hostname $ns_host, no default route"
	else
		fail "$ns_host: expected hostname and 0 default routes, got: $out"
	fi
	if [[ -e /tmp/$f || -e /etc/$f ]]; then
		fail "$ns_host: /tmp/$f or /etc/$f appeared on this machine's /"
	elif [[ -e $SSH_LAB/roots/$ns_host/tmp/$f && -e $SSH_LAB/roots/$ns_host/upper/etc/$f ]]; then
		pass "$ns_host: /tmp/$f and /etc/$f landed in $SSH_LAB/roots/$ns_host (tmpfs), not in /"
	else
		fail "$ns_host: written files not found under $SSH_LAB/roots/$ns_host"
	fi
	printf '%s\n' "$PW" | "${SSH[@]}" "${T[@]}" "rm -f /tmp/$f; sudo -S -p '' rm -f /etc/$f" >/dev/null 2>&1 || true
	if [[ -z $(ip -n "${NETNS[$ns_host]}" route show default) ]]; then
		pass "netns ${NETNS[$ns_host]}: no default route"
	else
		fail "netns ${NETNS[$ns_host]} has a default route"
	fi
fi

# 7. handshakes are countable in the per-host log.
c=$(grep -c "Accepted publickey" "$SSH_LAB/logs/$first.log" || true)
if ((c >= 1)); then
	pass "$first: $c 'Accepted publickey' lines in logs/$first.log"
else
	fail "$first: no 'Accepted publickey' in its log"
fi

# 8. cost of `ssh host true` (median of 9).
for n in "$first" $ns_host; do
	mapfile -t T < <(target "$n")
	ts=()
	for _ in $(seq 9); do
		t=$(now_ms)
		"${SSH[@]}" "${T[@]}" true
		ts+=($(($(now_ms) - t)))
	done
	printf 'time  %s: ssh host true median %s ms (all: %s)\n' "$n" \
		"$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 5p)" "${ts[*]}"
done

if ((fails)); then
	printf 'smoke: %d FAILURE(S)\n' "$fails"
	exit 1
fi
printf 'smoke: all checks passed (%d hosts)\n' "${#NAMES[@]}"
