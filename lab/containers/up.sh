#!/usr/bin/env bash
# Start the lab's container host: Debian's podman (with runc: crun refuses
# this machine's hybrid cgroups) running one small container, for the tests
# of the engine's container transport (engine/transport/container): a task's
# commands run inside a named container through the runtime's exec, as on a
# kolla-ansible controller (docker exec trove_api ...).
#
# Podman keeps everything of this lab under $LAB_DIR/containers (its own
# storage root, run root, events file), so it never touches another slot's
# or the machine's containers. The image is a busybox-static root imported
# from Debian's package (no registry is reachable here).
#
#   lab/containers/up.sh     # idempotent
#   lab/containers/down.sh
#
# Writes $LAB_DIR/containers/env: LAB_CONTAINER_RUNTIME (a podman wrapper
# with this lab's storage flags, a drop-in for `docker`), LAB_CONTAINER_NAME
# (running), LAB_CONTAINER_STOPPED (created, never started).
set -euo pipefail
# shellcheck source=lab/slot.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slot.sh"
STATE=$LAB_DIR/containers
NAME=${LAB_NET_PREFIX}-ctr1
STOPPED=${LAB_NET_PREFIX}-ctr-stopped
IMAGE=localhost/runbook-lab-busybox:1

say() { printf 'containers: %s\n' "$*"; }
die() { printf 'containers: ERROR: %s\n' "$*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "run as root"

need=()
for p in podman runc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
	say "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "${need[@]}" >/dev/null
fi

mkdir -p "$STATE"
# The runtime as the tests call it: podman with this lab's own storage.
# cgroups: runc on the host's cgroupfs (no systemd as PID 1 here).
cat >"$STATE/podman" <<WRAP
#!/bin/sh
exec /usr/bin/podman --root '$STATE/storage' --runroot '$STATE/run' --tmpdir '$STATE/tmp' \\
	--cgroup-manager cgroupfs --events-backend file --storage-driver vfs --runtime runc "\$@"
WRAP
chmod 755 "$STATE/podman"
P=$STATE/podman
mkdir -p "$STATE/tmp"

if ! "$P" image exists "$IMAGE" 2>/dev/null; then
	say "building $IMAGE from Debian's busybox-static"
	work=$(mktemp -d "$STATE/build.XXXXXX")
	(cd "$work" && apt-get download -q busybox-static >/dev/null 2>&1) || die "apt-get download busybox-static failed"
	dpkg -x "$work"/busybox-static_*.deb "$work/pkg"
	root=$work/root
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/srv"
	chmod 1777 "$root/tmp"
	cp "$work/pkg/bin/busybox" "$root/bin/busybox"
	for c in sh cat mktemp chmod mv dirname rm id pwd env printf sleep ls stat test true false echo mkdir; do
		ln -sf busybox "$root/bin/$c"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	tar -C "$root" -cf "$work/root.tar" .
	"$P" import -q "$work/root.tar" "$IMAGE" >/dev/null
	rm -rf "$work"
fi

run_flags=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
if [[ $("$P" inspect --type container --format '{{.State.Running}}' "$NAME" 2>/dev/null) != true ]]; then
	"$P" rm -f "$NAME" >/dev/null 2>&1 || true
	"$P" run -d --name "$NAME" "${run_flags[@]}" "$IMAGE" /bin/sleep 2147483647 >/dev/null
	say "started $NAME"
fi
if ! "$P" container exists "$STOPPED" 2>/dev/null; then
	"$P" create --name "$STOPPED" "${run_flags[@]}" "$IMAGE" /bin/sleep 1 >/dev/null
fi
"$P" exec "$NAME" /bin/true || die "exec into $NAME failed"

cat >"$STATE/env" <<ENV
LAB_CONTAINER_RUNTIME=$P
LAB_CONTAINER_NAME=$NAME
LAB_CONTAINER_STOPPED=$STOPPED
ENV
say "up: $NAME (runtime $P)"
