#!/bin/bash
# Runs in nested.sh's outer container, started by its unit nested-check.service once
# systemd-binfmt.service has run at the container's boot: rows about the container's own
# instance, then a nested container of another architecture. Writes its rows to FIFO, closes it,
# and stays with the nested container running (the host looks at it with ps, then stops all).
#   nested-inside.sh FIFO   (root of the container; the arm64 busybox at /opt/arm64)
set -u
# shellcheck source=harness/e2e/common.sh
. /opt/check/common.sh
row() { printf '%s\tdeb\t%s\t%s\n' "$1" "$2" "$(printf '%s' "${3:-}" | tr '\t\n' '  ')"; }
exec >"$1" 2>&1
nest=/tmp/arm64-rootfs
own=no # yes once binfmt_misc is on the container's /proc/sys/fs/binfmt_misc: its own instance

# outer_boot: what is on /proc/sys/fs/binfmt_misc is binfmt_misc (its own: the host's is under an
# autofs the container does not see), and each qemu line of binfmt.d is an enabled entry there.
outer_boot() {
	local fs f name n=0 missing=""
	fs=$(awk '$5 == "/proc/sys/fs/binfmt_misc" { printf "%s ", $(NF - 2) }' /proc/self/mountinfo)
	[ "$fs" = "binfmt_misc " ] || { row FAIL nested:outer-boot "mounts on $bfm: ${fs:-none}"; return; }
	own=yes
	if [ "$(systemctl show -P Result systemd-binfmt.service)" != success ] ||
		[ "$(systemctl show -P ActiveState systemd-binfmt.service)" != active ]; then
		row FAIL nested:outer-boot "systemd-binfmt.service: $(systemctl show -P ActiveState,Result systemd-binfmt.service | tr '\n' ' ')"
		return
	fi
	for f in /usr/lib/binfmt.d/qemu-*.conf; do
		name=$(grep -v '^#' "$f" | cut -d: -f2)
		if enabled "$bfm/$name"; then n=$((n + 1)); else missing+=" $name"; fi
	done
	if [ -n "$missing" ]; then
		row FAIL nested:outer-boot "$n registered, missing or disabled:$missing"
	else
		row PASS nested:outer-boot "systemd $(systemctl show -P Version) in the container (uid_map$(tr -s ' ' </proc/self/uid_map), AppArmor $(cat /proc/self/attr/current)): proc-sys-fs-binfmt_misc.mount mounted its own instance, systemd-binfmt.service registered $n of $n qemu-user-static formats there, $(count_entries) entries"
	fi
}

# nested ARGS...: a container in the container: new user (root mapped to ours), mount, PID and
# UTS namespaces, chroot into the arm64 rootfs; its init is the arm64 busybox running ARGS.
# Mount propagation unchanged: LXC's profile refuses making / private.
nested() {
	unshare --user --map-root-user --mount --propagation unchanged --pid --fork --uts \
		chroot "$nest" /bin/busybox "$@"
}

mkdir -p "$nest/bin" && cp /opt/arm64/busybox "$nest/bin/busybox"
outer_boot
# uses-outer first: with the container's qemu-aarch64 disabled, nothing else may run it (the
# host's entry is enabled, but the container's instance is the nearest one). Through Python's
# os.execv(), a bare execve() that says ENOEXEC as it is: chroot's and bash's exec retry the
# file as a shell script.
echo 0 >"$bfm/qemu-aarch64"
out=$(unshare --user --map-root-user --mount --propagation unchanged --pid --fork --uts \
	/usr/bin/python3 -c 'import os, sys; os.execv(sys.argv[1], sys.argv[1:])' "$nest/bin/busybox" uname -m 2>&1 | tail -n 1)
echo 1 >"$bfm/qemu-aarch64"
case $out in
*"Exec format error"*) row PASS nested:uses-outer "with the container's qemu-aarch64 disabled, in a nested container: $out (the host's is enabled)" ;;
*) row FAIL nested:uses-outer "with the container's qemu-aarch64 disabled, the nested arm64 init: $out" ;;
esac
# The nested container, left running: its init says its architecture, then sleeps for a time
# the host finds it by (nested.sh stops the container well before).
# shellcheck disable=SC2016 # expanded by the nested container's sh
exec 3< <(nested sh -c 'b=/bin/busybox; echo "$($b uname -m) $($b hostname) pid $$"; exec $b sleep 8640042' 2>&1)
init=$!
read -r line <&3
case $line in "aarch64 "*"pid 1") out=aarch64 ;; *) out="nested container's init: $line" ;; esac
arm64_row nested:arm64-init "$own" "$out" "nested container's init (arm64 busybox, no qemu and no binfmt_misc of its own): uname -m = aarch64, PID 1 in its namespace, through the container's qemu-aarch64"
exec >/dev/null 2>&1
wait "$init"
