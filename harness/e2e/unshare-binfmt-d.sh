#!/bin/bash
# Proves: util-linux `unshare -Urm` as uid 1000 gets a binfmt_misc of its own (fresh: empty and
# enabled), every line of qemu-user-static's /usr/lib/binfmt.d files registers in it as shipped,
# and Debian's arm64 and armhf busybox-static then run through qemu.
#   unshare-binfmt-d.sh DEPS_DIR   (run by the job inside `container`)
set -u
# shellcheck source=harness/e2e/common.sh
. "$(dirname "$0")/common.sh"
deps=$1

# check_mount: mount the instance and check it is fresh; false if there is none.
check_mount() {
	local err
	if ! err=$(mount_instance 2>&1); then
		row FAIL unshare:mount "unshare -Urm; mount -t binfmt_misc: $err"
		return 1
	fi
	if [ "$(table)" = "register status" ] && enabled "$bfm/status"; then
		row PASS unshare:mount "unshare -Urm as uid 1000; own instance at $bfm: empty, enabled"
	else
		row FAIL unshare:mount "instance not fresh: $(table), status $(cat "$bfm/status")"
	fi
}

# register_binfmt_d: write every line of the qemu binfmt.d files to register, one write each.
register_binfmt_d() {
	local f line delim name err files=0 lines=0 refused=""
	for f in /usr/lib/binfmt.d/qemu-*.conf; do
		files=$((files + 1))
		while IFS= read -r line; do
			case $line in "" | "#"* | ";"*) continue ;; esac
			lines=$((lines + 1))
			# :name:type:...: the first character is the field delimiter.
			delim=${line:0:1} name=${line#?}
			name=${name%%"$delim"*}
			if ! err=$({ printf '%s' "$line" >"$bfm/register"; } 2>&1) || [ ! -f "$bfm/$name" ]; then
				refused+=" ${f##*/}(${err##*: })"
			fi
		done <"$f"
	done
	if [ -z "$refused" ] && [ "$files" -gt 0 ] && [ "$(count_entries)" -eq "$lines" ]; then
		row PASS binfmt.d:qemu-all "$lines lines of $files /usr/lib/binfmt.d/qemu-*.conf registered, as shipped"
	else
		row FAIL binfmt.d:qemu-all "$(count_entries) of $lines lines in the instance; refused:$refused"
	fi
}

# run_busyboxes: each foreign busybox says the machine qemu emulates.
run_busyboxes() {
	local a arch want out
	for a in arm64:aarch64 armhf:armv7l; do
		arch=${a%%:*} want=${a##*:}
		out=$(uname_m "$deps/$arch/busybox")
		if [ "$out" = "$want" ]; then
			row PASS "run:$arch-busybox" "Debian busybox-static:$arch: uname -m = $out"
		else
			row FAIL "run:$arch-busybox" "uname -m: $out"
		fi
	done
}

if check_mount; then
	register_binfmt_d
	run_busyboxes
else
	fail_rows "no instance" binfmt.d:qemu-all run:arm64-busybox run:armhf-busybox
fi
