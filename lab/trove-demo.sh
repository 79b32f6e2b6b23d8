#!/usr/bin/env bash
# The seed's scenario, end to end, on devstack1 (lab/devstack; run as root):
#
#   lab/trove-demo.sh                                  # in place (rebuild from the new image)
#   UPGRADE_MODE=backup-restore lab/trove-demo.sh      # backup, restore, rows compared
#   make demo [UPGRADE_MODE=backup-restore]            # the same
#
# 1. builds bin/runbook; starts devstack1 (lab/up.sh devstack), from its
#    just-stacked state (Trove 18, zed) when an earlier run changed it;
# 2. lab-seed: instance `test` on mysql 5.7.29 in the demo project, database
#    `testdb`, user `test`, private network, public; the row of `Persons`
#    inserted through the instance's address;
# 3. lab-verify: `select * from Persons` through that address;
# 4. the operator's code install: release.sh install 2025.1 (Trove 23's code
#    on disk; nothing restarts);
# 5. runbook check   exit 2: changes pending; nothing touched (release,
#                    schema, units and instances read before and after)
#    runbook run     exit 2: controllers migrated and restarted, the
#                    datastore version on the new image, `test` rebuilt (in
#                    place) or backed up and restored into `test-2025.1`
#    runbook run     exit 0: nothing left to do
# 6. lab-verify on the upgraded (`test`) or restored (`test-2025.1`)
#    instance: the same row.
# It stops at the first step that fails, saying which and why. The lab stays
# up (lab/down.sh).
#
# Knobs: UPGRADE_MODE (in-place | backup-restore), RUNBOOK_LAB_SLOT and
# RUNBOOK_LAB_DIR (lab/slot.sh), DIFF=0 to leave --diff out.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=lab/slot.sh
. "$here/slot.sh"
mode=${UPGRADE_MODE:-in-place}
case $mode in
in-place | backup-restore) ;;
*) echo "trove-demo: UPGRADE_MODE is in-place or backup-restore, not $mode" >&2; exit 2 ;;
esac
case ${1:-} in
"") ;;
-h | --help) sed -n '2,29p' "$0"; exit 0 ;;
*) echo "trove-demo: unknown argument $1" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "trove-demo: run as root (the lab needs it)" >&2; exit 1; }

step() { printf '\n== %s\n' "$*"; }
fail() { printf '\ntrove-demo: FAILED at "%s": %s\n' "$current" "$*" >&2; exit 1; }
t0=$(date +%s)

current="build bin/runbook"
step "$current"
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
(cd "$root" && go build -o bin/runbook ./cmd/runbook) || fail "go build"
rb="$root/bin/runbook"

current="lab: devstack1 ($LAB_DIR)"
step "$current"
"$root/lab/up.sh" devstack || fail "lab/up.sh devstack"
# shellcheck disable=SC1091
. "$LAB_DIR/devstack/env"
ds() { # COMMAND: on devstack1 as root
	ssh -F /dev/null -i "$LAB_DEVSTACK_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile="$LAB_DEVSTACK_KNOWN_HOSTS" \
		-o StrictHostKeyChecking=yes -o LogLevel=ERROR "root@$LAB_DEVSTACK_ADDRESS" "$@"
}
state() { # what check mode must not move
	ds "$LAB_DEVSTACK_RELEASE_SCRIPT status; sha256sum /etc/trove/trove.conf /etc/trove/trove-guestagent.conf;
		mariadb -uroot -N trove -e 'SELECT i.name, i.updated, i.task_id, i.compute_instance_id, i.server_status, v.name, v.image_id FROM instances i LEFT JOIN datastore_versions v ON v.id = i.datastore_version_id WHERE i.deleted = 0 ORDER BY i.name; SELECT name, image_id FROM datastore_versions ORDER BY name'
		systemctl list-units --no-legend --plain 'lab-guest@*' | cut -d' ' -f1 | xargs -r systemctl show -p Id,ActiveEnterTimestampMonotonic"
}
if [ "$(ds "$LAB_DEVSTACK_RELEASE_SCRIPT status" | sed -n 's/^installed //p')" != zed ] ||
	[ -n "$(ds 'ls /var/lib/lab-compute/servers')" ]; then
	echo "trove-demo: an earlier run changed devstack1: starting it again from its just-stacked state"
	"$root/lab/devstack/up.sh" --reset || fail "lab/devstack/up.sh --reset"
	# shellcheck disable=SC1091
	. "$LAB_DIR/devstack/env"
fi
export OS_CLIENT_CONFIG_FILE="$LAB_DEVSTACK_CLOUDS_YAML" OS_CLIENT_SECURE_FILE="$LAB_DEVSTACK_SECURE_YAML"

# inventories/lab.hcl names slot 0's devstack1; another slot gets a copy.
inv="$root/inventories/lab.hcl"
if [ "$LAB_DIR/devstack" != /tmp/runbook-lab/devstack ] || [ "$LAB_DEVSTACK_ADDRESS" != 10.233.0.10 ]; then
	mkdir -p "$LAB_DIR/trove-demo"
	sed -e "s#/tmp/runbook-lab/devstack#$LAB_DIR/devstack#g" -e "s#\"10\.233\.0\.10\"#\"$LAB_DEVSTACK_ADDRESS\"#" \
		"$inv" >"$LAB_DIR/trove-demo/lab.hcl"
	inv="$LAB_DIR/trove-demo/lab.hcl"
fi
rbdir="$root/runbooks/trove-upgrade"
vars=(--var-file "$rbdir/vars/lab.hcl" --var "image_id=$LAB_DEVSTACK_IMAGE2_ID" --var "dump_dir=$LAB_DIR/trove-upgrade-dumps/"
	--var "upgrade_mode=$mode")
restored="test"
if [ "$mode" = backup-restore ]; then
	vars+=(--var verify_data=select --var 'verify_tables=["Persons"]'
		--var 'verify_db={ user = "test", database = "testdb" }' --var verify_db_password=lab-test-pw --var delete_old_instances=true)
	restored=test-2025.1
fi

expect() { # WANT -- COMMAND...: run it; anything but exit WANT fails the demo
	local want=$1 rc s
	shift 2
	s=$(date +%s)
	set +e
	"$@"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "exit $rc, expected $want (the output above says why)"
	echo "trove-demo: exit $rc as expected ($(($(date +%s) - s)) s)"
}

current="seed: instance test (testdb, user test, the Persons row) on Trove 18"
step "$current"
expect 2 -- "$rb" run -i "$inv" --var "network=$LAB_DEVSTACK_PRIVATE_NET" --var "flavor=$LAB_DEVSTACK_FLAVOR_ID" \
	--var "datastore_version=$LAB_DEVSTACK_DATASTORE_VERSION" "$rbdir/lab-seed"

current="select * from Persons on test"
step "$current"
expect 0 -- "$rb" run -v -i "$inv" --var name=test "$rbdir/lab-verify"

current="install the new code: release.sh install $LAB_DEVSTACK_RELEASE_NEW (the operator's package upgrade)"
step "$current"
ds "$LAB_DEVSTACK_RELEASE_SCRIPT install $LAB_DEVSTACK_RELEASE_NEW" || fail "release.sh install"

diff=(--diff)
[ "${DIFF:-1}" = 1 ] || diff=()

current="runbook check (exit 2: changes pending; nothing touched)"
step "$current"
before=$(state) || fail "reading devstack1"
expect 2 -- "$rb" check "${diff[@]}" -i "$inv" "${vars[@]}" "$rbdir"
after=$(state) || fail "reading devstack1"
[ "$before" = "$after" ] || fail "check mode changed devstack1:
$before
->
$after"
echo "trove-demo: devstack1 as before the check (release, schema, units, trove.conf, instances, guests)"

current="runbook run ($mode; exit 2: changes made)"
step "$current"
report="$LAB_DIR/trove-upgrade-report.html"
expect 2 -- "$rb" run "${diff[@]}" --report "$report" -i "$inv" "${vars[@]}" "$rbdir"
echo "trove-demo: the run's report page: $report"

current="runbook run again (exit 0: nothing left to do)"
step "$current"
expect 0 -- "$rb" run -i "$inv" "${vars[@]}" "$rbdir"

current="select * from Persons on $restored (Trove $(ds "$LAB_DEVSTACK_RELEASE_SCRIPT status" | sed -n 's/^installed //p'))"
step "$current"
expect 0 -- "$rb" run -v -i "$inv" --var "name=$restored" "$rbdir/lab-verify"

echo
echo "trove-demo: $mode upgrade zed -> $LAB_DEVSTACK_RELEASE_NEW done in $(($(date +%s) - t0)) s; the lab stays up (lab/down.sh)"
