#!/bin/sh
# Runs in an LXD container (busybox sh; `lxc exec c -- /opt/check/lxd-inside.sh STEP`): one step
# of harness/deb/lxd.sh, its rows on stdout.
#   lxd-inside.sh sees        what /proc/sys/fs/binfmt_misc is before the container mounts anything
#   lxd-inside.sh host NAME   row NAME:host-readonly: LXD's bind of the host's instance can be
#                             read, not written
#   lxd-inside.sh mount NAME  mount an instance of the container's own; row NAME:mount
#   lxd-inside.sh register NAME   register qemu-aarch64 (OPF) and an entry named after NAME, run
#                             the arm64 busybox; rows NAME:register, NAME:run-arm64
#   lxd-inside.sh table NAME  row NAME:own-entries: the instance holds qemu-aarch64 and NAME's own
#                             entry only
set -u
# shellcheck source=harness/e2e/common.sh
. /opt/e2e/common.sh
# listing: what ls says of binfmt_misc (LXD's profile refuses reading it: then ls's error).
# shellcheck disable=SC2012 # the names are binfmt_misc entries: what ls says is the point
listing() { ls "$bfm" 2>&1 | tr '\n' ' '; }
row() { printf '%s\tdeb\t%s\t%s\n' "$1" "$2" "$(printf '%s' "${3:-}" | tr '\t\n' '  ')"; }

case $1 in
sees)
	fs=$(awk '$5 == "/proc/sys/fs/binfmt_misc" { printf "%s ", $(NF - 2) }' /proc/self/mountinfo)
	ls=$(listing)
	echo "in the container: uid_map $(tr -s ' ' </proc/self/uid_map), AppArmor $(cat /proc/self/attr/current)"
	echo "mounted on $bfm: ${fs:-nothing}; ls: $ls"
	row PASS lxd:sees "before mounting: ${fs:-nothing} on $bfm; ls: $(printf '%s' "$ls" | cut -c1-120)"
	;;
host)
	# Before the container mounts its own: LXD's bind of the host's instance, under a profile
	# that lets it read and write binfmt_misc files. The files belong to the host's root.
	n=$(count_entries)
	if err=$( { echo ":$2-probe:E::$2probe::/bin/busybox:" >"$bfm/register"; } 2>&1); then
		row FAIL "$2:host-readonly" "registered in the host's instance through LXD's bind ($n entries)"
	else
		row PASS "$2:host-readonly" "LXD's bind of the host's instance: its $n entries readable, register refused (${err##*: })"
	fi
	;;
mount)
	if err=$(mount_instance 2>&1); then
		row PASS "$2:mount" "mount -t binfmt_misc: $(listing)"
	else
		row FAIL "$2:mount" "mount refused: $err"
	fi
	;;
register)
	registered=no
	if err=$( { grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf >"$bfm/register"; } 2>&1) &&
		echo ":$2:E::$2::/bin/busybox:" >"$bfm/register"; then
		registered=yes
		row PASS "$2:register" "qemu-aarch64 ($(grep '^flags' "$bfm/qemu-aarch64")) and $2 registered"
	else
		row FAIL "$2:register" "register refused: $err"
	fi
	arm64_row "$2:run-arm64" "$registered" "$(uname_m /opt/arm64/busybox)" "arm64 busybox: uname -m = aarch64"
	;;
table)
	if [ "$(table)" = "$2 qemu-aarch64 register status" ]; then
		row PASS "$2:own-entries" "its instance: $(table)"
	else
		row FAIL "$2:own-entries" "its instance: $(table)"
	fi
	;;
esac
