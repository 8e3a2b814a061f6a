#!/bin/bash
# Proves: systemd 252's systemd-binfmt, unchanged, in a container registers every binfmt.d line
# (qemu, llvm, python) in the container's own instance at its fixed path, the arm64 busybox runs
# through it, and `systemd-binfmt --unregister` (-1 to status: flush all) empties that instance.
#   systemd-binfmt.sh DEPS_DIR   (run by the job inside `container`)
set -u
# shellcheck source=harness/e2e/common.sh
. "$(dirname "$0")/common.sh"
deps=$1
expected=$(grep -hv -e '^#' -e '^;' /usr/lib/binfmt.d/*.conf | grep -c .)

register() {
	local got
	if ! /lib/systemd/systemd-binfmt 2>&1; then
		row FAIL systemd-binfmt:register "systemd-binfmt exited non-zero"
		return
	fi
	got=$(count_entries)
	if [ "$got" -eq "$expected" ] && [ "$(uname_m "$deps/arm64/busybox")" = aarch64 ]; then
		row PASS systemd-binfmt:register "systemd-binfmt: $got entries (every binfmt.d line) in its instance; arm64 busybox runs"
	else
		row FAIL systemd-binfmt:register "$got of $expected entries in the instance; arm64 busybox: $(uname_m "$deps/arm64/busybox")"
	fi
}

unregister() {
	if /lib/systemd/systemd-binfmt --unregister 2>&1 && [ "$(count_entries)" -eq 0 ]; then
		row PASS systemd-binfmt:unregister "systemd-binfmt --unregister (status -1) emptied its instance"
	else
		row FAIL systemd-binfmt:unregister "$(count_entries) entries left"
	fi
}

if mount_instance; then
	register
	unregister
else
	fail_rows "no instance: mount failed" systemd-binfmt:register systemd-binfmt:unregister
fi
