#!/bin/bash
# Proves: binfmt-support's update-binfmts, unchanged, in a container with its own /proc (it reads
# /proc/mounts) imports every /usr/share/binfmts format into the container's own instance,
# `--disable` (a flush-all) empties that instance only, and `--enable` brings the formats back,
# mounting a fresh instance itself; the armhf busybox then runs.
#   update-binfmts.sh DEPS_DIR   (run by the job inside `container --pid --fork --mount-proc`)
set -u
# shellcheck source=harness/e2e/common.sh
. "$(dirname "$0")/common.sh"
deps=$1
imports=$(find /usr/share/binfmts -mindepth 1 -maxdepth 1 | wc -l)

import_all() {
	if update-binfmts --import 2>&1 && [ "$(count_entries)" -eq "$imports" ]; then
		row PASS update-binfmts:import "update-binfmts --import: all $imports /usr/share/binfmts formats in its instance (own /proc)"
	else
		row FAIL update-binfmts:import "$(count_entries) of $imports entries in the instance"
	fi
}

disable_all() {
	if update-binfmts --disable 2>&1 && [ "$(count_entries)" -eq 0 ]; then
		row PASS update-binfmts:disable-all "update-binfmts --disable: its instance emptied (and unmounted by update-binfmts)"
	else
		row FAIL update-binfmts:disable-all "$(count_entries) entries left"
	fi
}

enable_all() {
	local mounted=""
	[ -e "$bfm/register" ] || mounted=" (update-binfmts mounted the instance itself)"
	if update-binfmts --enable 2>&1 && [ "$(count_entries)" -eq "$imports" ] &&
		[ "$(uname_m "$deps/armhf/busybox")" = armv7l ]; then
		row PASS update-binfmts:enable "update-binfmts --enable: $imports formats back$mounted; armhf busybox runs"
	else
		row FAIL update-binfmts:enable "$(count_entries) of $imports entries after --enable; armhf busybox: $(uname_m "$deps/armhf/busybox")"
	fi
}

if ! mount_instance; then
	fail_rows "no instance: mount failed" update-binfmts:import update-binfmts:disable-all update-binfmts:enable
	exit 0
fi
# Its database, /var/lib/binfmts, is the container's own (the host root is read-only).
mount -t tmpfs tmpfs /var/lib/binfmts
import_all
disable_all
enable_all
update-binfmts --disable >/dev/null 2>&1
