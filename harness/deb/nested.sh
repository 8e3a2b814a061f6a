#!/bin/bash
# Proves the scenario the series was written for, under AppArmor as Debian 12 ships it: an
# unprivileged LXC container (root-owned, ids 100000:65536, profile lxc-container-binfmt of
# apparmor-binfmt.sh) boots systemd; at its boot its systemd-binfmt.service registers every
# qemu-user-static format in an instance of the container's own; then, in it, a nested container
# of another architecture (user, mount, PID and UTS namespaces, chroot into an arm64 rootfs that
# has Debian's arm64 busybox and nothing else: no qemu, no binfmt_misc mount) runs its arm64
# init through the qemu-aarch64 entry it finds in the outer container's instance. Rows (the ones
# about the outer container come from nested-inside.sh, run in it by a unit of its own):
#   nested:outer-boot      systemd in the container mounted its instance and systemd-binfmt
#                          registered N of N formats there
#   nested:arm64-init      the nested container's init is the arm64 busybox: uname -m = aarch64,
#                          with the container's own instance mounted (else the host's ran it)
#   nested:uses-outer      with the outer instance's qemu-aarch64 disabled, a nested container's
#                          arm64 init fails with ENOEXEC (the host's qemu-aarch64 is enabled)
#   nested:host-ps         seen from the host: ps shows the nested init running under
#                          qemu-aarch64-static, in a user namespace below the container's
# The job's `unchanged` wrapper adds nested:host-unchanged.
# What the container needs beyond LXC's defaults (its rootfs is a copy of the host's /etc and
# the host's /usr, read-only, ids shifted by 100000): the profile, and one unit enabled inside,
# proc-sys-fs-binfmt_misc.mount (systemd's automount needs autofs, which a user namespace cannot
# mount, and is skipped there; systemd-binfmt.service needs the mount).
#   nested.sh DEPS_DIR   (root, initial namespaces)
set -u
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=harness/deb/common.sh
. "$here/common.sh"
deps=$1
logs=/run/results/nested
P=/tmp/nested-lxc
r=$P/outer/rootfs
sync=$P/sync
names=(nested:outer-boot nested:uses-outer nested:arm64-init nested:host-ps)
mkdir -p "$logs"

# rootfs: the host's /etc (ids shifted into the container's range), mount points, Debian's
# merged-/usr symlinks; /usr itself is bound read-only at start.
rootfs() {
	local d l
	rm -rf "$P" && mkdir -p "$P/outer" "$r" "$sync" || return 1
	for d in usr var/lib var/log var/tmp var/cache run tmp proc sys dev root home mnt opt/arm64 opt/check opt/sync; do
		mkdir -p "$r/$d"
	done
	for l in bin lib lib32 lib64 sbin; do [ -L "/$l" ] && ln -s "usr/$l" "$r/$l"; done
	chown -R 100000:100000 "$r" "$sync" && chmod 1777 "$r/tmp" "$r/var/tmp"
	# tar as root of the container's ids: uid 0 of the archive is 100000 on disk, and so on.
	tar -C / -cf - etc | lxc-usernsexec -m b:0:100000:65536 -- tar -C "$r" -xpf - --numeric-owner || return 1
	# A clean unit set: the guest's (check-deb's own service among them) are not the container's.
	rm -rf "$r"/etc/systemd/system/*.wants "$r/etc/systemd/system/check-deb.service"
	mkdir -p "$r/etc/systemd/system/sysinit.target.wants" "$r/etc/systemd/system/multi-user.target.wants"
	# The one thing configured inside: mount the container's instance at boot.
	ln -s /lib/systemd/system/proc-sys-fs-binfmt_misc.mount "$r/etc/systemd/system/sysinit.target.wants/"
	cat >"$r/etc/systemd/system/nested-check.service" <<-UNIT
		[Unit]
		Description=check-deb nested rows
		After=systemd-binfmt.service

		[Service]
		Type=simple
		ExecStart=/opt/check/nested-inside.sh /opt/sync/rows
	UNIT
	ln -s ../nested-check.service "$r/etc/systemd/system/multi-user.target.wants/"
	: >"$r/etc/machine-id"
	cp "$here/nested-inside.sh" "$(dirname "$here")/e2e/common.sh" "$r/opt/check/"
	mkfifo -m 0600 "$sync/rows" && chown 100000:100000 "$sync/rows"
	cat >"$P/outer/config" <<-CONF
		lxc.include = /usr/share/lxc/config/common.conf
		lxc.include = /usr/share/lxc/config/userns.conf
		lxc.uts.name = outer
		lxc.rootfs.path = dir:$r
		lxc.idmap = u 0 100000 65536
		lxc.idmap = g 0 100000 65536
		lxc.net.0.type = empty
		lxc.apparmor.profile = lxc-container-binfmt
		lxc.init.cmd = /lib/systemd/systemd --unit=multi-user.target
		lxc.console.path = none
		lxc.mount.entry = /usr usr none bind,ro 0 0
		lxc.mount.entry = $deps/arm64 opt/arm64 none bind,ro 0 0
		lxc.mount.entry = $sync opt/sync none bind 0 0
	CONF
}

# nested_init: the PID, as the host sees it, of the nested container's init (arm64 busybox run
# by qemu-aarch64-static: its /proc/PID/exe), by the time nested-inside.sh gives its sleep.
nested_init() {
	local p
	for p in /proc/[0-9]*; do
		case $(readlink "$p/exe" 2>/dev/null) in */qemu-aarch64-static) ;; *) continue ;; esac
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q ' sleep 8640042' && { echo "${p#/proc/}"; return 0; }
	done
	return 1
}

host_ps() {
	local pid outer ns
	pid=$(nested_init) || { row FAIL nested:host-ps "no process of qemu-aarch64-static with the nested init's arguments on the host"; return; }
	outer=$(lxc-info -P "$P" -n outer -p -H)
	ns=$(readlink "/proc/$pid/ns/user")
	if [ "$ns" != "$(readlink "/proc/$outer/ns/user")" ] && [ "$ns" != "$(readlink /proc/self/ns/user)" ]; then
		row PASS nested:host-ps "host ps: '$(ps -o user=,pid=,args= -p "$pid" | tr -s ' ')', exe $(readlink "/proc/$pid/exe"), user namespace $ns (the container's init: $(readlink "/proc/$outer/ns/user"))"
	else
		row FAIL nested:host-ps "the nested init $pid is in user namespace $ns, not one below the container's"
	fi
}

if ! out=$("$here/apparmor-binfmt.sh" 2>&1) || ! rootfs >"$logs/rootfs.log" 2>&1; then
	fail_rows "setup failed: $(tail -n 1 "$logs/rootfs.log" 2>/dev/null) ${out:-}" "${names[@]}"
	exit 0
fi
if ! lxc-start -P "$P" -n outer -l INFO -o "$logs/outer.log"; then
	fail_rows "lxc-start failed: $(grep -m1 ERROR "$logs/outer.log")" "${names[@]}"
	exit 0
fi
echo "outer container started [$SECONDS s]: init $(lxc-info -P "$P" -n outer -p -H)"
# The rows of nested-inside.sh, as it writes them; it keeps the nested container running and
# closes the FIFO after its last row. Bounded: systemd's boot under TCG takes a minute or two.
inside=$(timeout 600 cat "$sync/rows")
printf '%s\n' "$inside"
case $inside in *"nested:arm64-init"*) host_ps ;; esac
for n in "${names[@]}"; do
	case $inside in *"	$n	"*) ;; *) [ "$n" = nested:host-ps ] || row FAIL "$n" "no row from the container (timed out? nested/outer.log, nested/journal.txt)" ;; esac
done
lxc-attach -P "$P" -n outer -- journalctl -b --no-pager >"$logs/journal.txt" 2>&1
lxc-stop -P "$P" -n outer -k >/dev/null 2>&1
