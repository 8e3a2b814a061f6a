#!/bin/bash
# Proves, for rootless podman (Debian 12's 4.3) as uid 1000, offline: an arm64 rootfs (Debian's
# arm64 busybox) made into an image with `podman import`, run with qemu-aarch64 registered in the
# instance of podman's own user namespace (the one its pause process keeps, which `podman unshare`
# enters and its containers run in):
#   podman:import     podman import of the rootfs tarball (no registry involved)
#   podman:mount      `podman unshare mount -t binfmt_misc`: an empty instance of podman's user
#                     namespace, over systemd's mount
#   podman:fresh      the arm64 image fails to start (exec format error) although the host has
#                     qemu-aarch64: the container uses podman's instance
#   podman:register   `podman unshare` registers the qemu-aarch64 line of qemu-user-static (OPF)
#   podman:run-arm64  `podman run` of the arm64 image: uname -m = aarch64, after that registration
#                     (without it, the host's qemu-aarch64 ran it: a failure)
# Storage on the guest's /tmp (vfs driver: the home folder is on the 9p overlay), no network, no
# cgroups (uid 1000 has no systemd session to delegate one).
#   podman.sh DEPS_DIR   (root, initial namespaces)
set -u
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=harness/deb/common.sh
. "$here/common.sh"
deps=$1
logs=/run/results/podman
w=/tmp/podman
names=(podman:import podman:mount podman:fresh podman:register podman:run-arm64)
mkdir -p "$logs"
rm -rf "$w" && mkdir -p "$w/rootfs/bin" "$w/home" "$w/run" && chmod 0700 "$w/run"
cp "$deps/arm64/busybox" "$w/rootfs/bin/busybox"
tar --owner=0 --group=0 -C "$w/rootfs" -cf "$w/arm64-busybox.tar" .
chown -R 1000:1000 "$w"

# pod ARGS...: podman as uid 1000, bounded to 5 minutes, its output logged too.
pod() {
	echo "\$ podman $*" >>"$logs/podman.log"
	as_user env HOME="$w/home" XDG_RUNTIME_DIR="$w/run" timeout 300 \
		podman --root "$w/root" --runroot "$w/runroot" --storage-driver vfs --cgroup-manager cgroupfs \
		--events-backend file "$@" 2>&1 | tee -a "$logs/podman.log"
	return "${PIPESTATUS[0]}"
}
# arm64 IMAGE-ARGS...: uname -m of the arm64 busybox in a container of the imported image.
arm64() { pod run --rm --network none --cgroups disabled localhost/check-arm64 /bin/busybox uname -m | tail -n 1; }

if ! out=$(pod import "$w/arm64-busybox.tar" localhost/check-arm64); then
	fail_rows "podman import: $(printf '%s' "$out" | tail -n 1)" "${names[@]}"
	exit 0
fi
row PASS podman:import "podman $(podman --version | cut -d' ' -f3) import of the arm64 busybox rootfs: image $(printf '%s' "$out" | grep -m1 -o '^sha256:[0-9a-f]\{12\}')"
# On a kernel without the series the mount is refused: the rows go on, to show what the image
# runs through then.
out=$(pod unshare sh -c "mount -t binfmt_misc binfmt_misc $bfm && cd $bfm && echo * && tr -s ' ' </proc/self/uid_map | tr '\n' ','")
case $out in
"register status"*) row PASS podman:mount "podman unshare (uid_map$(printf '%s' "${out#register status}" | tr '\n' ' ')): mount -t binfmt_misc: register status, empty" ;;
*) row FAIL podman:mount "podman unshare: $out" ;;
esac
out=$(arm64)
case $out in
*"exec format error"* | *"Exec format error"*) row PASS podman:fresh "arm64 image before registering: $out (the host's qemu-aarch64 is not used)" ;;
*) row FAIL podman:fresh "arm64 image before registering: $out" ;;
esac
registered=no
if out=$(pod unshare sh -c "grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf >$bfm/register && grep ^flags $bfm/qemu-aarch64"); then
	registered=yes
	row PASS podman:register "podman unshare: qemu-aarch64 registered in podman's instance, $out"
else
	row FAIL podman:register "podman unshare: register: $(printf '%s' "$out" | tail -n 1)"
fi
arm64_row podman:run-arm64 "$registered" "$(arm64)" "podman run --network none localhost/check-arm64 /bin/busybox uname -m = aarch64"
