#!/bin/bash
# Gives LXC, in the guest only, what a distribution gives it: the guest's root is the host's,
# read-only. /etc/subuid and /etc/subgid on a writable layer, a cgroup2 subtree owned by uid 1000,
# the user's LXC defaults, and a faster `ln` for the busybox template. Prints a FAIL row
# (lxc:setup) and exits 1 if it cannot.
#   lxc-setup.sh DIR CGROUP   (run as root by the job, in the guest's own namespaces; makes
#                             DIR/home, the user's HOME, DIR/logs and DIR/bin for lxc.sh)
set -u
# shellcheck source=harness/e2e/common.sh
. "$(dirname "$0")/common.sh"
dir=$1 cgroup=$2
home=$dir/home logs=$dir/logs bin=$dir/bin

# subids: give the user of uid 1000 (made up if there is none) ids 100000:65536.
subids() {
	local user
	# The guest's /etc is the host's, read-only: give it a writable layer for subuid/subgid.
	mkdir -p /tmp/etc-upper /tmp/etc-work || return
	mount -t overlay overlay -o lowerdir=/etc,upperdir=/tmp/etc-upper,workdir=/tmp/etc-work /etc || return
	user=$(getent passwd 1000 | cut -d: -f1)
	if [ -z "$user" ]; then
		user=e2e
		echo "e2e:x:1000:1000::$home:/bin/sh" >>/etc/passwd
		echo "e2e:x:1000:" >>/etc/group
	fi
	echo "$user:100000:65536" >/etc/subuid && echo "$user:100000:65536" >/etc/subgid
}

# user_cgroup: a cgroup the user owns (what systemd's delegation would give a login session).
user_cgroup() {
	mount -t cgroup2 cgroup2 /sys/fs/cgroup && mkdir -p "$cgroup" && chown -R 1000:1000 "$cgroup"
}

# user_config: HOME with the user's LXC defaults (an unprivileged container with no network),
# and a folder for LXC's logs.
user_config() {
	mkdir -p "$home/.config/lxc" "$logs" && chmod 0755 "$home" && chmod 1777 "$logs" || return
	cat >"$home/.config/lxc/default.conf" <<-'CONF' || return
		lxc.idmap = u 0 100000 65536
		lxc.idmap = g 0 100000 65536
		lxc.net.0.type = empty
	CONF
	chown -R 1000:1000 "$home"
}

# fast_ln: the busybox template links each of busybox's 269 applets with its own `ln` process:
# under TCG, coreutils' dynamically linked ln costs 130 ms an exec, busybox's static one 35 ms.
fast_ln() { mkdir -p "$bin" && ln -sf /bin/busybox "$bin/ln"; }

subids || { row FAIL lxc:setup "overlay on /etc or /etc/subuid failed"; exit 1; }
user_cgroup || { row FAIL lxc:setup "cannot mount cgroup2 or make $cgroup"; exit 1; }
user_config || { row FAIL lxc:setup "cannot write $home/.config/lxc/default.conf"; exit 1; }
fast_ln || { row FAIL lxc:setup "cannot link $bin/ln"; exit 1; }
