#!/usr/bin/env bash
# The Trove upgrade, end to end, on the local lab (run as root):
#
#   lab/trove-demo.sh            # leaves the lab up
#   lab/trove-demo.sh --down     # ... and takes the systemd and openstack parts down after
#
# 1. builds bin/runbook;
# 2. brings up the lab parts it needs: lab/up.sh systemd openstack (two
#    controllers with a real systemd running devstack@tr-* units; Keystone,
#    Glance and Trove in fake mode);
# 3. puts the lab's small guest image where trovestack would have written it
#    (trovestack needs diskimage-builder and the internet: not here);
# 4. seeds the demo's Trove instances on the old version (trove-demo-db1,
#    trove-demo-db2; ones an earlier demo upgraded are deleted and made again);
# 5. runbook check   (expect exit 2: changes pending, nothing changed)
#    runbook run     (expect exit 2: changes made)
#    runbook run     (expect exit 0: no changes; the runbook has no
#                     always-changing step: the migration, the registration and
#                     the instance steps only run when something is behind).
#
# Knobs: RUNBOOK_LAB_DIR (default /tmp/runbook-lab), TROVE_DEMO_NAMES
# (comma-separated instance names), DIFF=0 to leave --diff out.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=lab/slot.sh
. "$here/slot.sh"
lab_dir=$LAB_DIR
names="${TROVE_DEMO_NAMES:-trove-demo-db1,trove-demo-db2}"
take_down=0
for a in "$@"; do
	case "$a" in
	--down) take_down=1 ;;
	-h | --help) sed -n '2,24p' "$0"; exit 0 ;;
	*) echo "trove-demo: unknown argument $a (--down)" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "trove-demo: run as root (the lab needs it)" >&2; exit 1; }

step() { printf '\n== %s\n' "$*"; }
t0=$(date +%s)

step "build bin/runbook"
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
(cd "$root" && go build -o bin/runbook ./cmd/runbook)
rb="$root/bin/runbook"

step "lab: systemd + openstack ($lab_dir)"
RUNBOOK_LAB_DIR="$lab_dir" "$root/lab/up.sh" systemd openstack

# shellcheck disable=SC1091
. "$lab_dir/openstack/env"
export OS_CLIENT_CONFIG_FILE="$LAB_OS_CLOUDS_YAML" OS_CLIENT_SECURE_FILE="$LAB_OS_SECURE_YAML"

# inventories/lab.hcl is written for /tmp/runbook-lab and a checkout at
# /work/main; elsewhere, a copy with the paths changed is used.
inv="$root/inventories/lab.hcl"
if [ "$lab_dir" != /tmp/runbook-lab ] || [ "$root" != /work/main ] || [ "$LAB_SLOT" != 0 ]; then
	mkdir -p "$lab_dir/trove-demo"
	sed -e "s#/tmp/runbook-lab#$lab_dir#g" -e "s#/work/main#$root#g" -e "s#10\.233\.0\.#10.233.$LAB_NET_OCTET.#g" "$inv" >"$lab_dir/trove-demo/lab.hcl"
	inv="$lab_dir/trove-demo/lab.hcl"
fi
runbook_dir="$root/runbooks/trove-upgrade"
vars=(--var-file "$runbook_dir/vars/lab.hcl" --var "image_cache=$lab_dir/trove-image-cache/"
	--var "trove_api_url=$LAB_TROVE_BASE_URL/")
names_hcl="[\"${names//,/\",\"}\"]"

step "guest image: the lab's small image stands in for trovestack's"
image_dir="$lab_dir/trove-images"
image="$image_dir/trove-guest-zed-ubuntu-bionic-dev.raw"
mkdir -p "$image_dir"
[ -f "$image" ] || cp "$lab_dir/openstack/glance/fake-guest.img" "$image"
ls -l "$image"

step "seed instances $names on mysql $LAB_DATASTORE_VERSION"
set +e
"$rb" run -i "$inv" --var "names=$names_hcl" --var replace_upgraded=true \
	--var "flavor=$LAB_FLAVOR_ID" --var "datastore_version=$LAB_DATASTORE_VERSION" "$runbook_dir/lab-seed"
rc=$?
set -e
[ "$rc" -le 2 ] || { echo "trove-demo: seeding failed (exit $rc)" >&2; exit 1; }

diff=(--diff)
[ "${DIFF:-1}" = 1 ] || diff=()

expect() { # expect WANT... -- COMMAND...: run it, fail unless its exit is one of WANT
	local want=()
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	local s e rc
	s=$(date +%s)
	set +e
	"$@"
	rc=$?
	set -e
	e=$(date +%s)
	for w in "${want[@]}"; do
		if [ "$rc" = "$w" ]; then
			echo "trove-demo: exit $rc as expected ($((e - s)) s)"
			return 0
		fi
	done
	echo "trove-demo: exit $rc, expected ${want[*]}" >&2
	exit 1
}

step "runbook check (changes nothing; exit 2: changes pending)"
expect 2 -- "$rb" check "${diff[@]}" -i "$inv" "${vars[@]}" --var "instance_names=$names_hcl" "$runbook_dir"

step "runbook run (exit 2: changes made)"
report="$lab_dir/trove-upgrade-report.html"
expect 2 -- "$rb" run "${diff[@]}" --report "$report" -i "$inv" "${vars[@]}" --var "instance_names=$names_hcl" "$runbook_dir"
echo "trove-demo: the run's report page: $report"

step "runbook run again (exit 0: nothing left to do)"
expect 0 -- "$rb" run -i "$inv" "${vars[@]}" --var "instance_names=$names_hcl" "$runbook_dir"

step "result through the API: the demo instances on $LAB_DATASTORE_UPGRADE_VERSION and HEALTHY"
expect 0 -- "$rb" run -v -i "$inv" --var "names=$names_hcl" --var "version=$LAB_DATASTORE_UPGRADE_VERSION" "$runbook_dir/lab-verify"

if [ "$take_down" = 1 ]; then
	step "lab down (systemd, openstack)"
	LAB_DIR="$lab_dir" "$root/lab/systemd/down.sh"
	LAB_DIR="$lab_dir" "$root/lab/openstack/down.sh"
else
	echo
	echo "trove-demo: the lab stays up (lab/down.sh, or lab/trove-demo.sh --down)"
fi
echo "trove-demo: done in $(($(date +%s) - t0)) s"
