#!/bin/bash
# Proves: on the Debian boot, uid 1000 with `unshare -Urm` mounts binfmt_misc over systemd's
# mount as an instance of its own (empty: the arm64 busybox does not run there though the initial
# instance has qemu-aarch64), registers qemu-user-static's qemu-aarch64 line (flags OPF) and runs
# Debian's arm64 busybox; the initial instance is unchanged.
#   userns.sh DEPS_DIR          (root, initial namespaces: runs the rest as uid 1000)
#   userns.sh --inside DEPS_DIR (in the user namespace)
set -u
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=harness/deb/common.sh
. "$here/common.sh"
conf=/usr/lib/binfmt.d/qemu-aarch64.conf

inside() {
	local deps=$1 out flags
	if ! mount_instance; then
		row FAIL userns:mount "mount -t binfmt_misc refused"
		fail_rows "no instance" userns:fresh userns:register userns:run-arm64
		return
	fi
	if [ "$(table)" = "register status" ] && enabled "$bfm/status"; then
		row PASS userns:mount "unshare -Urm as uid $(awk '{print $2}' /proc/self/uid_map): mounted over systemd's, $(table), enabled"
	else
		row FAIL userns:mount "instance not fresh: $(table)"
	fi
	out=$(uname_m "$deps/arm64/busybox")
	case $out in
	*"Exec format error"*) row PASS userns:fresh "arm64 busybox before registering: Exec format error (the initial instance's qemu-aarch64 is not used)" ;;
	*) row FAIL userns:fresh "arm64 busybox ran before registering: $out" ;;
	esac
	if grep -v '^#' "$conf" >"$bfm/register" && enabled "$bfm/qemu-aarch64"; then
		flags=$(grep '^flags' "$bfm/qemu-aarch64")
		row PASS userns:register "qemu-aarch64.conf registered, enabled, $flags"
	else
		row FAIL userns:register "register refused or entry disabled"
	fi
	out=$(uname_m "$deps/arm64/busybox")
	if [ "$out" = aarch64 ]; then
		row PASS userns:run-arm64 "Debian's arm64 busybox: uname -m = $out"
	else
		row FAIL userns:run-arm64 "arm64 busybox: $out"
	fi
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit 0
fi
deps=$1
before=$(host_table)
container -- "$here/userns.sh" --inside "$deps"
if [ "$(host_table)" = "$before" ]; then
	row PASS userns:host-unchanged "initial instance unchanged ($(count_entries) entries)"
else
	row FAIL userns:host-unchanged "initial instance changed: $(table)"
fi
