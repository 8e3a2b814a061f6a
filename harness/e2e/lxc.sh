#!/bin/bash
# Proves: LXC 5, unchanged, makes an unprivileged container from its busybox template as uid 1000
# (ids from /etc/subuid), and in it (lxc-init.sh, the container's init) binfmt_misc mounts as the
# container's own instance, the qemu-aarch64 line registers and the arm64 busybox runs.
#   lxc.sh DEPS_DIR DIR   (run by the job as uid 1000, in a cgroup it owns; DIR is what
#                         lxc-setup.sh made: DIR/home, DIR/logs, DIR/bin)
set -u
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=harness/e2e/common.sh
. "$here/common.sh"
# shellcheck source=harness/e2e/lxc-share.sh
. "$here/lxc-share.sh"
deps=$1 dir=$2
logs=$dir/logs
export HOME=$dir/home
cfg=$HOME/.local/share/lxc/c/config

# create: the container, with busybox's ln first in PATH (see lxc-setup.sh).
create() {
	if PATH=$dir/bin:$PATH lxc-create -n c -t busybox -l INFO -o "$logs/lxc-create.log" >"$logs/create.out" 2>&1; then
		row PASS lxc:create "lxc-create -t busybox as uid 1000, ids from /etc/subuid (100000:65536)"
	else
		row FAIL lxc:create "lxc-create failed: $(tail -n 1 "$logs/create.out")"
		return 1
	fi
}

# execute: lxc-init.sh as the container's init. The vm kernel has no POSIX message queues: LXC's
# optional mqueue mount fails, and says so.
execute() {
	lxc-execute -n c -l INFO -o "$logs/lxc-execute.log" -- /opt/e2e/lxc-init.sh 2>&1 |
		grep -v 'Failed to mount "mqueue"'
}

if create; then
	lxc_share "$cfg" "$deps" "$here"
	execute
	lxc-destroy -n c >/dev/null 2>&1
else
	fail_rows "no container" lxc:mount lxc:register lxc:run-arm64
fi
