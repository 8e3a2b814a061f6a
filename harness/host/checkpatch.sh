#!/usr/bin/env bash
# Checkpatch: scripts/checkpatch.pl --strict on every patch of the series; one result row each.
#   checkpatch.sh >>ROWS
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

[ -d "$TREE" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
[ -n "$PATCHES" ] && [ -f "$PATCHES/series" ] || exit 0
# spdxcheck.py (called by checkpatch) needs ply, from Debian's python3-ply: make sure Debian's
# python3 is the one found, not another one earlier in PATH.
apt_install perl python3 python3-ply python3-git
export PATH=/usr/bin:$PATH
# checkpatch asks "does MAINTAINERS need updating?" (FILE_PATH_CHANGES) of every patch that adds
# a file and does not touch MAINTAINERS, without looking whether MAINTAINERS already covers it.
# That one finding is waived when it is the only one and every added or deleted file lies in a
# directory that an F: line of the tree's MAINTAINERS names; anything else still fails.
only_covered_new_files() {
	local out=$1 patch=$2 f
	[ "$(printf '%s\n' "$out" | grep -cE '^(ERROR|WARNING|CHECK):')" -eq 1 ] || return 1
	printf '%s\n' "$out" | grep -q '^WARNING:FILE_PATH_CHANGES:' || return 1
	while read -r f; do
		grep -qE "^F:[[:space:]]+$(dirname "$f")/\$" "$TREE/MAINTAINERS" || return 1
	done < <(awk '/^diff --git / { f = $3; sub(/^a\//, "", f) } /^(new|deleted) file mode/ { print f }' "$patch")
}

step "checkpatch --strict on $(rel "$PATCHES")"
while read -r p; do
	case "$p" in '' | '#'*) continue ;; esac
	out=$(cd "$TREE" && scripts/checkpatch.pl --strict --quiet --no-summary --show-types "$PATCHES/$p" 2>&1) && rc=0 || rc=$?
	if only_covered_new_files "$out" "$PATCHES/$p"; then
		info "clean: $p (new files already covered by a MAINTAINERS F: entry)"
		row PASS patches "checkpatch:$p" "new files covered by MAINTAINERS"
	elif [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		info "clean: $p"
		row PASS patches "checkpatch:$p"
	else
		warn "checkpatch: $p"
		printf '%s\n' "$out" | head -40 >&2
		row FAIL patches "checkpatch:$p" "$(printf '%s' "$out" | grep -cE '^(ERROR|WARNING|CHECK)') findings"
	fi
done <"$PATCHES/series"
