#!/bin/sh
# Proves: in an unprivileged LXC container, binfmt_misc mounts as the container's own, fresh
# instance, the qemu-aarch64.conf line of qemu-user-static (flags OPF) registers in it, and the
# arm64 busybox runs through it.
#   lxc-init.sh   (the container's init, run by lxc.sh with lxc-execute in the container's busybox
#                 sh; this folder is at /opt/e2e, the arm64 busybox at /opt/arm64)
set -u
# shellcheck source=harness/e2e/common.sh
. "$(dirname "$0")/common.sh"
conf=/usr/lib/binfmt.d/qemu-aarch64.conf

# check_mount: mount the instance and check it is fresh; false if there is none.
check_mount() {
	if ! mount_instance; then
		row FAIL lxc:mount "mount -t binfmt_misc refused"
		return 1
	fi
	if [ "$(table)" = "register status" ] && enabled "$bfm/status"; then
		row PASS lxc:mount "mount -t binfmt_misc in the container: $(table), empty, enabled"
	else
		row FAIL lxc:mount "instance not fresh: $(table)"
	fi
}

# has_all STRING CHAR...: STRING holds each CHAR.
has_all() (
	s=$1
	shift
	for c; do
		case $s in *"$c"*) ;; *) return 1 ;; esac
	done
)

# register: the qemu-aarch64 line as shipped; the entry is enabled, with the flags P, O and F.
register() {
	if ! grep -v '^#' "$conf" >"$bfm/register"; then
		row FAIL lxc:register "register refused"
		return
	fi
	flags=$(grep '^flags' "$bfm/qemu-aarch64" 2>&1)
	if enabled "$bfm/qemu-aarch64" && has_all "$flags" P O F; then
		row PASS lxc:register "qemu-aarch64 line (OPF) registered: $flags"
	else
		row FAIL lxc:register "qemu-aarch64 entry: $(head -n 1 "$bfm/qemu-aarch64" 2>&1), $flags"
	fi
}

run_arm64() {
	out=$(uname_m /opt/arm64/busybox)
	if [ "$out" = aarch64 ]; then
		row PASS lxc:run-arm64 "arm64 busybox in the container: uname -m = $out"
	else
		row FAIL lxc:run-arm64 "arm64 busybox in the container: uname -m: $out"
	fi
}

echo "in the container: $(id), uid_map: $(tr -s ' ' </proc/self/uid_map), cgroup $(cat /proc/self/cgroup), AppArmor: $(cat /proc/self/attr/current 2>/dev/null || echo none)"
if check_mount; then
	register
	run_arm64
else
	fail_rows "no instance" lxc:register lxc:run-arm64
fi
