# shellcheck shell=bash disable=SC2034
# Which lab this is. Several labs run side by side on one machine (a
# developer's, a helper's, CI's) when each has its own slot, 0-9, taken from
# RUNBOOK_LAB_SLOT (default 0). A slot owns, and only it touches:
#
#   state        LAB_DIR: /tmp/runbook-lab (slot 0), /tmp/runbook-lab-slotN
#                (an explicit RUNBOOK_LAB_DIR or LAB_DIR wins)
#   names        LAB_NET_PREFIX: "rb" (slot 0), "rbN": bridges, network
#                namespaces, veths, cgroups and tmpfs mounts are named with it
#   subnets      LAB_NET_OCTET = N: the lab's /24s are 10.231.N.0 (ssh),
#                10.232.N.0 (behind the ssh jump host), 10.233.N.0 (systemd,
#                devstack)
#   ports        lab_port BASE: BASE + N (MariaDB, Keystone, Glance, Trove,
#                RabbitMQ ...); loopback sshd start at lab_ssh_base_port
#
# Slot 0 keeps the names, addresses and ports the lab always had. Sourced by
# every part's scripts before they read LAB_DIR.

RUNBOOK_LAB_SLOT=${RUNBOOK_LAB_SLOT:-0}
if ! [[ $RUNBOOK_LAB_SLOT =~ ^[0-9]$ ]]; then
	printf 'lab: RUNBOOK_LAB_SLOT must be 0-9, got %q\n' "$RUNBOOK_LAB_SLOT" >&2
	exit 2
fi
export RUNBOOK_LAB_SLOT
LAB_SLOT=$RUNBOOK_LAB_SLOT
if ((LAB_SLOT == 0)); then
	LAB_NET_PREFIX=rb
	_lab_default_dir=/tmp/runbook-lab
else
	LAB_NET_PREFIX=rb$LAB_SLOT
	_lab_default_dir=/tmp/runbook-lab-slot$LAB_SLOT
fi
LAB_DIR=${LAB_DIR:-${RUNBOOK_LAB_DIR:-$_lab_default_dir}}
unset _lab_default_dir
export LAB_DIR
LAB_NET_OCTET=$LAB_SLOT

# lab_port BASE: the port of a service whose slot-0 port is BASE.
lab_port() { printf '%d' $(($1 + LAB_SLOT)); }

# lab_ssh_base_port: first loopback sshd port. Slot 0: 22201 (up to 1,000
# hosts end below MariaDB's 23306); slot N: 31000 + (N-1)*1100.
lab_ssh_base_port() {
	if ((LAB_SLOT == 0)); then printf '22201'; else printf '%d' $((31000 + (LAB_SLOT - 1) * 1100)); fi
}
