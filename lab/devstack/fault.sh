#!/usr/bin/env bash
# Faults on devstack1, each switched on by a test (lab/devstack/README.md):
#
#   fault.sh api-500 on|off               Trove's API answers 500 to every /v1.0 request
#   fault.sh api-500-after-create on|off  the next instance create reaches Trove (the
#                                         instance exists) but its answer is a 500
#   fault.sh controller-away on|off       devstack1 drops off the network (its veth on
#                                         the bridge goes down): SSH and every API stop
#                                         answering; processes inside keep running
#   fault.sh status                       which are on
#
# A Trove service that fails to start after a config change needs no switch:
# write a bad value into /etc/trove/trove.conf and restart (lab_test.go does).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/devstack/common.sh
. "$here/common.sh"
[[ $(id -u) -eq 0 ]] || die "must run as root"
fault=${1:-} state=${2:-}
case $fault in
  api-500 | api-500-after-create)
    case $state in
      on) ds_ssh "install -d -o stack -g stack /etc/trove/lab-faults && install -o stack -g stack /dev/null /etc/trove/lab-faults/$fault" ;;
      off) ds_ssh "rm -f /etc/trove/lab-faults/$fault" ;;
      *) die "usage: fault.sh $fault on|off" ;;
    esac ;;
  controller-away)
    case $state in
      on) ip link set "$DS_VETH" down ;;
      off) ip link set "$DS_VETH" up ;;
      *) die "usage: fault.sh controller-away on|off" ;;
    esac ;;
  status)
    if ip -o link show "$DS_VETH" | grep -q '<[^>]*\bUP\b'; then echo "controller-away off"; else echo "controller-away on"; fi
    # shellcheck disable=SC2016 # expanded on devstack1
    ds_ssh 'for f in api-500 api-500-after-create; do if [ -e /etc/trove/lab-faults/$f ]; then echo "$f on"; else echo "$f off"; fi; done' 2>/dev/null ||
      echo "(devstack1 unreachable: api faults unknown)" ;;
  *) die "usage: fault.sh api-500|api-500-after-create|controller-away on|off, or fault.sh status" ;;
esac
