# shellcheck shell=bash disable=SC2034
# Shared by lab/trove-standins/{up,down,trove}.sh. Sourced, not run.
# Ports, paths and the process helpers of the dev-mode setup (everything on
# loopback, in the slot of lab/slot.sh); the helpers are lab/openstack's.

STANDINS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/openstack/lib.sh
. "$STANDINS_HERE/../openstack/lib.sh"
OS_PIDS=$PIDS OS_LOGS=$LOGS
SI_STATE="$LAB_DIR/trove-standins"
# this part's own processes and logs (lab/openstack/down.sh stops only its own)
PIDS="$SI_STATE/pids"
LOGS="$SI_STATE/log"

say() { printf 'standins: %s\n' "$*"; }
die() { printf 'standins: ERROR: %s\n' "$*" >&2; exit 1; }

RABBIT_PORT=${RABBIT_PORT:-$(lab_port 25672)}
RABBIT_DIST_PORT=${RABBIT_DIST_PORT:-$(lab_port 26672)}
EPMD_PORT=${EPMD_PORT:-$(lab_port 24369)}
SWIFT_PORT=${SWIFT_PORT:-$(lab_port 28080)}
SWIFT_OBJECT_PORT=${SWIFT_OBJECT_PORT:-$(lab_port 26200)}
SWIFT_CONTAINER_PORT=${SWIFT_CONTAINER_PORT:-$(lab_port 26210)}
SWIFT_ACCOUNT_PORT=${SWIFT_ACCOUNT_PORT:-$(lab_port 26220)}
COMPUTE_PORT=${COMPUTE_PORT:-$(lab_port 28774)}
# the real Trove planes (lab/openstack's fake-mode Trove keeps TROVE_PORT, 28779)
TROVE18_PORT=${TROVE18_PORT:-$(lab_port 28769)}
TROVE23_PORT=${TROVE23_PORT:-$(lab_port 28789)}
# instance addresses: loopback, all of 127/8 is local (no netns needed)
ADDR_PREFIX=${ADDR_PREFIX:-127.0.$LAB_NET_OCTET}
# Trove 23's root: lab/devstack's release root (one root for both parts on a
# machine; lab/devstack/release-root.sh builds it when it is not there)
TRIXIE_ROOT=${TRIXIE_ROOT:-$LAB_DIR/devstack/releases/2025.1}
OS_WAIT=${OS_WAIT:-90}

RABBIT_DIR="$SI_STATE/rabbitmq"
SWIFT_DIR="$SI_STATE/swift"
COMPUTE_DIR="$SI_STATE/compute"

# rabbit_env: the environment of this slot's RabbitMQ node (server and rabbitmqctl)
rabbit_env() {
  export HOME="$RABBIT_DIR/home" RABBITMQ_NODENAME="rabbit-lab$LAB_SLOT@localhost" RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$RABBIT_PORT" RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
  export ERL_EPMD_PORT="$EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia" RABBITMQ_LOG_BASE="$RABBIT_DIR/log"
  export RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
  export RABBITMQ_CONF_ENV_FILE="$RABBIT_DIR/rabbitmq-env.conf" RABBITMQ_PID_FILE="$RABBIT_DIR/rabbit.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}
