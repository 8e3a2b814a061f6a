#!/bin/bash
# Proves: the kernel boots Debian 12 as its .deb installed it, with AppArmor as Debian enables it;
# systemd's proc-sys-fs-binfmt_misc.automount loaded binfmt_misc (a module) when first used, and
# systemd-binfmt.service registered every binfmt.d line of qemu-user-static in the initial
# instance.
#   boot-rows.sh   (run by the job as root, in the guest's initial namespaces)
set -u
# shellcheck source=harness/deb/common.sh
. "$(dirname "$0")/common.sh"

installed() {
	local release status
	release=$(uname -r)
	case $release in *-binfmtns-*) ;; *) echo "SKIP $release is not ours: its .deb was unpacked, not installed"; return 0 ;; esac
	status=$(dpkg-query -W -f='${Status} ${Version}' "linux-image-$release" 2>&1) || { echo "$status"; return 1; }
	case $status in "install ok installed "*) ;; *) echo "linux-image-$release: $status"; return 1 ;; esac
	[ -f "/lib/modules/$release/kernel/fs/binfmt_misc.ko" ] || { echo "no binfmt_misc.ko in /lib/modules/$release"; return 1; }
	echo "running linux-image-$release ${status##* }, installed by dpkg -i"
}

apparmor() {
	local n
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>&1)" = Y ] || { echo "AppArmor not enabled"; return 1; }
	systemctl is-active -q apparmor.service || { echo "apparmor.service: $(systemctl is-active apparmor.service)"; return 1; }
	n=$(wc -l </sys/kernel/security/apparmor/profiles)
	grep -q '^lxc-container-default-cgns ' /sys/kernel/security/apparmor/profiles ||
		{ echo "$n profiles, LXC's not among them"; return 1; }
	echo "enabled, apparmor.service loaded $n profiles (LXC's lxc-container-default-cgns among them)"
}

# module: binfmt_misc is a module (not built in), it is loaded, and what is mounted on
# /proc/sys/fs/binfmt_misc is systemd's autofs trigger with binfmt_misc on it.
module() {
	local fs
	if [ ! -f "/lib/modules/$(uname -r)/kernel/fs/binfmt_misc.ko" ] || [ ! -d /sys/module/binfmt_misc/sections ]; then
		echo "binfmt_misc is not a loaded module"
		return 1
	fi
	fs=$(findmnt -n -o FSTYPE /proc/sys/fs/binfmt_misc | tr '\n' ' ')
	[ "$fs" = "autofs binfmt_misc " ] || { echo "mounts on /proc/sys/fs/binfmt_misc: $fs"; return 1; }
	if [ "$(systemctl show -P ActiveState proc-sys-fs-binfmt_misc.automount)" != active ] ||
		[ "$(systemctl show -P ActiveState proc-sys-fs-binfmt_misc.mount)" != active ]; then
		echo "automount or mount unit not active"
		return 1
	fi
	echo "module loaded (refcount $(cat /sys/module/binfmt_misc/refcnt)); mounts: $fs(proc-sys-fs-binfmt_misc.automount, .mount active)"
}

# systemd_binfmt: the service succeeded and each qemu line of binfmt.d is an enabled entry.
systemd_binfmt() {
	local f name n=0 missing=""
	if [ "$(systemctl show -P Result systemd-binfmt.service)" != success ] ||
		[ "$(systemctl show -P ActiveState systemd-binfmt.service)" != active ]; then
		echo "systemd-binfmt.service: $(systemctl show -P ActiveState,Result systemd-binfmt.service | tr '\n' ' ')"
		return 1
	fi
	for f in /usr/lib/binfmt.d/qemu-*.conf; do
		name=$(grep -v '^#' "$f" | cut -d: -f2)
		if enabled "/proc/sys/fs/binfmt_misc/$name"; then n=$((n + 1)); else missing+=" $name"; fi
	done
	[ -z "$missing" ] || { echo "$n registered, missing or disabled:$missing"; return 1; }
	echo "active (success); $n of $n qemu-user-static formats enabled in the initial instance"
}

check deb:installed "the .deb" installed
check deb:apparmor "AppArmor" apparmor
check deb:binfmt-misc-automount "binfmt_misc" module
check deb:systemd-binfmt "systemd-binfmt.service" systemd_binfmt
