# shellcheck shell=bash
# What the check-deb guest scripts share (sourced): harness/e2e/common.sh's helpers (as_user,
# container, mount_instance, table, count_entries, enabled, uname_m), with rows of group deb.
# shellcheck source=harness/e2e/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/common.sh"

# row STATUS NAME DETAIL: one result row on stdout, group deb.
row() {
	printf '%s\tdeb\t%s\t%s\n' "$1" "$2" "$(printf '%s' "${3:-}" | tr '\t\n' '  ')"
}

# check NAME DETAIL CMD...: a PASS row if CMD succeeds, else a FAIL row with CMD's last line; a
# SKIP row if CMD succeeds saying "SKIP reason".
check() {
	local name=$1 detail=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		row FAIL "$name" "$(printf '%s' "$out" | tail -n 1)"
	elif [ "${out#SKIP }" != "$out" ]; then
		row SKIP "$name" "${out#SKIP }"
	else
		row PASS "$name" "$detail${out:+: $out}"
	fi
}

# host_table: what the initial instance holds (names, flags and status), as one hash.
host_table() { (cd /proc/sys/fs/binfmt_misc && ls && cat ./*) 2>&1 | sha256sum | cut -c1-16; }
